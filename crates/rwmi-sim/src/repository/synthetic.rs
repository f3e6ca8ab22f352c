//! Streaming synthetic instances: one instance is rendered, parsed and converted per `next()`, so a
//! count of 100,000 costs no more memory than a count of one.

use std::sync::Arc;

use rwmi_core::wmio::{Decoration, WmiClass, WmiInstance};

use crate::host::render;
use crate::host::synthetic::{
    SYNTHETIC_CLASSES, synthetic_disk, synthetic_process, synthetic_service,
};
use crate::mof;

use super::convert::{self, Scope};

/// Whether [`SyntheticInstances`] can generate `class`.
pub fn has_generator(class: &str) -> bool {
    SYNTHETIC_CLASSES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(class))
}

/// The deterministic instances `0..count` of one class (see `host::synthetic`).
pub struct SyntheticInstances {
    class: Arc<WmiClass>,
    computer: String,
    decoration: Decoration,
    next_index: usize,
    count: usize,
    /// Reused for every instance's MOF text.
    text: String,
}

impl SyntheticInstances {
    pub fn new(class: Arc<WmiClass>, count: usize, decoration: Decoration) -> SyntheticInstances {
        SyntheticInstances {
            class,
            computer: decoration.server.clone(),
            decoration,
            next_index: 0,
            count,
            text: String::new(),
        }
    }

    fn render(&mut self, index: usize) -> bool {
        self.text.clear();
        let name = self.class.name();
        if name.eq_ignore_ascii_case("Win32_Process") {
            render::write_process(&mut self.text, &synthetic_process(index), &self.computer);
        } else if name.eq_ignore_ascii_case("Win32_Service") {
            render::write_service(&mut self.text, &synthetic_service(index), &self.computer);
        } else if name.eq_ignore_ascii_case("Win32_LogicalDisk") {
            render::write_logical_disk(&mut self.text, &synthetic_disk(index), &self.computer);
        } else {
            return false;
        }
        true
    }

    fn convert(&self) -> Option<WmiInstance> {
        let file = mof::parse(&self.text).ok()?;
        let (_, declaration) = file.instances().next()?;
        let class = self.class.clone();
        let lookup = move |name: &str| {
            name.eq_ignore_ascii_case(class.name())
                .then(|| class.clone())
        };
        let no_qualifiers = Default::default();
        let no_aliases = Default::default();
        let scope = Scope {
            file: "synthetic",
            classes: &lookup,
            qualifier_types: &no_qualifiers,
            aliases: &no_aliases,
        };
        let mut instance = convert::instance(&scope, declaration).ok()?;
        instance.decoration = Some(self.decoration.clone());
        Some(instance)
    }
}

impl Iterator for SyntheticInstances {
    type Item = WmiInstance;

    fn next(&mut self) -> Option<WmiInstance> {
        // An instance the schema refuses (a class redefined by configuration) ends the stream rather than
        // looping over every remaining index.
        while self.next_index < self.count {
            let index = self.next_index;
            self.next_index += 1;
            if !self.render(index) {
                self.next_index = self.count;
                return None;
            }
            match self.convert() {
                Some(instance) => return Some(instance),
                None => {
                    tracing::warn!(
                        class = self.class.name(),
                        index,
                        "synthetic instance does not fit its class"
                    );
                    self.next_index = self.count;
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.count.saturating_sub(self.next_index)))
    }
}
