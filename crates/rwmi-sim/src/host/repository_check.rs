//! Cross-checks between the generated instances and repository/cimv2.mof: every property written
//! must be declared by the class or a superclass, and the classes marked as host-provided must be
//! the ones `live_instances` serves. This is a line scanner for the layout of that one file (one
//! declaration per line), not a MOF parser; the emulator's parser is what loads the file.

use std::collections::HashMap;
use std::time::SystemTime;

use super::{LIVE_CLASSES, live_instances, synthetic};

const CIMV2_MOF: &str = include_str!("../../repository/cimv2.mof");

struct DeclaredClass {
    superclass: Option<String>,
    properties: Vec<String>,
    host_provided: bool,
}

/// Classes with their superclass and property names, scanned from the line layout of cimv2.mof.
fn declared_classes() -> HashMap<String, DeclaredClass> {
    let mut classes = HashMap::new();
    let mut current: Option<(String, DeclaredClass)> = None;
    let mut pending_qualifiers = String::new();
    for line in CIMV2_MOF.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix("class ") {
            let (name, superclass) = match header.split_once(':') {
                Some((name, superclass)) => (name.trim(), Some(superclass.trim().to_owned())),
                None => (header.trim(), None),
            };
            let host_provided = pending_qualifiers.contains("Provider(\"RwmiHost\")");
            current = Some((
                name.to_owned(),
                DeclaredClass {
                    superclass,
                    properties: Vec::new(),
                    host_provided,
                },
            ));
        } else if line.starts_with("};") {
            if let Some((name, class)) = current.take() {
                classes.insert(name, class);
            }
        } else if let Some((_, class)) = current.as_mut() {
            // Drop a leading qualifier list; the file's qualifier values hold no "] ".
            let declaration = match line.strip_prefix('[') {
                Some(rest) => rest
                    .split_once("] ")
                    .map_or("", |(_, declaration)| declaration),
                None => line,
            };
            if declaration.ends_with(';') && !declaration.contains(['(', ')']) {
                let name = declaration.trim_end_matches(';').trim_end_matches("[]");
                if let Some(name) = name.split_whitespace().last() {
                    class.properties.push(name.to_owned());
                }
            }
        }
        if line.starts_with('[') && !line.ends_with(';') {
            pending_qualifiers = line.to_owned();
        } else if !line.starts_with("class ") {
            pending_qualifiers.clear();
        }
    }
    classes
}

fn is_declared(classes: &HashMap<String, DeclaredClass>, class: &str, property: &str) -> bool {
    let mut next = Some(class.to_owned());
    while let Some(name) = next {
        let Some(declared) = classes.get(&name) else {
            return false;
        };
        if declared.properties.iter().any(|p| p == property) {
            return true;
        }
        next = declared.superclass.clone();
    }
    false
}

/// `(class, property)` for every property assignment in MOF instance text.
fn assignments(mof: &str) -> Vec<(String, String)> {
    let mut class = String::new();
    let mut found = Vec::new();
    for line in mof.lines() {
        if let Some(name) = line.strip_prefix("instance of ") {
            class = name.trim().to_owned();
        } else if let Some((property, _)) =
            line.strip_prefix('\t').and_then(|l| l.split_once(" = "))
        {
            // Nested (embedded) instances are indented further and so fail this test.
            if property
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                found.push((class.clone(), property.to_owned()));
            }
        }
    }
    found
}

#[test]
fn scanner_sees_the_class_hierarchy() {
    let classes = declared_classes();
    assert!(is_declared(&classes, "Win32_Process", "Handle"));
    assert!(is_declared(&classes, "Win32_Process", "Caption"));
    assert!(is_declared(
        &classes,
        "Win32_NetworkAdapterConfiguration",
        "IPAddress"
    ));
    assert!(is_declared(&classes, "RWMI_TypeSample", "ReferenceArray"));
    assert!(!is_declared(&classes, "Win32_Process", "Create"));
    assert!(!is_declared(&classes, "Win32_Process", "NoSuchProperty"));
}

#[test]
fn host_provided_classes_are_the_live_classes() {
    let classes = declared_classes();
    let mut marked: Vec<&str> = classes
        .iter()
        .filter(|(_, c)| c.host_provided)
        .map(|(n, _)| n.as_str())
        .collect();
    marked.sort_unstable();
    let mut live = LIVE_CLASSES.to_vec();
    live.sort_unstable();
    assert_eq!(marked, live);
}

#[test]
fn every_generated_property_is_declared() {
    let classes = declared_classes();
    let now = SystemTime::now();
    let mut texts: Vec<String> = LIVE_CLASSES
        .iter()
        .filter_map(|class| live_instances(class, now))
        .collect();
    texts.extend(
        synthetic::SYNTHETIC_CLASSES
            .iter()
            .filter_map(|class| synthetic::synthetic_instances(class, 3)),
    );
    for text in &texts {
        for (class, property) in assignments(text) {
            assert!(
                is_declared(&classes, &class, &property),
                "{class}.{property} is not in cimv2.mof"
            );
        }
    }
}

#[test]
fn type_sample_instances_set_every_declared_property() {
    let classes = declared_classes();
    let declared = &classes["RWMI_TypeSample"].properties;
    // The key, then one scalar and one array of each of the 16 CIM types.
    assert_eq!(declared.len(), 33);
    let set = assignments(CIMV2_MOF);
    for property in declared {
        let times = set
            .iter()
            .filter(|(class, p)| class == "RWMI_TypeSample" && p == property)
            .count();
        assert_eq!(times, 2, "RWMI_TypeSample.{property}");
    }
    for (class, property) in &set {
        assert!(is_declared(&classes, class, property), "{class}.{property}");
    }
}
