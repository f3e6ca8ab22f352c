//! The decode benchmark's input: instances of a 20-property class, each as the EncodingUnit that one
//! IEnumWbemClassObject::Next object carries (MS-WMI 2.2.4: an OBJREF_CUSTOM around an EncodingUnit
//! holding the class and the instance, MS-WMIO 2.2.1). Shared by the criterion bench and the example that
//! writes the same bytes to a file for Impacket's decoder.

use std::sync::Arc;

use rwmi_core::wmio::{
    CimBase, CimType, Decoration, Flavor, Qualifier, Value, WmiClass, WmiInstance, WmiObject,
};

/// Objects one Next returns with the client's default batch size (`ConnectOptions::batch_size`).
pub const BATCH: usize = 256;

/// Property names and types: a Win32_Process-like mix of strings, integers, a date and a flag.
const PROPERTIES: [(&str, CimBase); 20] = [
    ("Handle", CimBase::String),
    ("Name", CimBase::String),
    ("Caption", CimBase::String),
    ("CommandLine", CimBase::String),
    ("ExecutablePath", CimBase::String),
    ("CreationDate", CimBase::DateTime),
    ("ProcessId", CimBase::UInt32),
    ("ParentProcessId", CimBase::UInt32),
    ("Priority", CimBase::UInt32),
    ("ThreadCount", CimBase::UInt32),
    ("HandleCount", CimBase::UInt32),
    ("SessionId", CimBase::UInt32),
    ("WorkingSetSize", CimBase::UInt64),
    ("VirtualSize", CimBase::UInt64),
    ("KernelModeTime", CimBase::UInt64),
    ("UserModeTime", CimBase::UInt64),
    ("ReadOperationCount", CimBase::UInt64),
    ("WriteOperationCount", CimBase::UInt64),
    ("CSName", CimBase::String),
    ("Is64Bit", CimBase::Boolean),
];

/// The class, keyed on `Handle`, decorated as the emulator decorates its objects.
pub fn class() -> Arc<WmiClass> {
    let mut builder = WmiClass::builder("Bench_Process").decoration("EMU", "ROOT\\CIMV2");
    for (name, base) in PROPERTIES {
        let qualifiers = if name == "Handle" {
            vec![Qualifier::new(
                "key",
                Flavor::PROPAGATE_TO_INSTANCE | Flavor::PROPAGATE_TO_DERIVED_CLASS,
                Value::Boolean(true),
            )]
        } else {
            Vec::new()
        };
        builder = builder.property(name, CimType::scalar(base), qualifiers, None);
    }
    builder.build().expect("the benchmark class is well formed")
}

/// Instance `index`: distinct values, strings of realistic lengths.
pub fn instance(class: &Arc<WmiClass>, index: usize) -> WmiInstance {
    let mut instance = WmiInstance::new(class.clone());
    let wide = index as u64;
    let narrow = index as u32;
    let exe = format!("process{}.exe", index % 97);
    let values: [(&str, Value); 20] = [
        ("Handle", Value::String(index.to_string())),
        ("Name", Value::String(exe.clone())),
        ("Caption", Value::String(exe.clone())),
        (
            "CommandLine",
            Value::String(format!(
                "C:\\Windows\\System32\\{exe} -k netsvcs -p -s {index}"
            )),
        ),
        (
            "ExecutablePath",
            Value::String(format!("C:\\Windows\\System32\\{exe}")),
        ),
        (
            "CreationDate",
            Value::DateTime(format!(
                "20260101{:02}{:02}{:02}.000000+000",
                (index / 3600) % 24,
                (index / 60) % 60,
                index % 60
            )),
        ),
        ("ProcessId", Value::UInt32(narrow.wrapping_mul(4))),
        ("ParentProcessId", Value::UInt32(narrow / 2)),
        ("Priority", Value::UInt32(8)),
        ("ThreadCount", Value::UInt32(narrow % 64)),
        ("HandleCount", Value::UInt32(narrow % 4096)),
        ("SessionId", Value::UInt32(narrow % 3)),
        ("WorkingSetSize", Value::UInt64(wide * 4096)),
        ("VirtualSize", Value::UInt64(wide * 65536)),
        ("KernelModeTime", Value::UInt64(wide * 156_250)),
        ("UserModeTime", Value::UInt64(wide * 312_500)),
        ("ReadOperationCount", Value::UInt64(wide * 7)),
        ("WriteOperationCount", Value::UInt64(wide * 3)),
        ("CSName", Value::String("EMU".to_owned())),
        ("Is64Bit", Value::Boolean(index.is_multiple_of(2))),
    ];
    for (name, value) in values {
        instance
            .set(name, Some(value))
            .expect("the value has the property's type");
    }
    instance.decoration = Some(Decoration {
        server: "EMU".to_owned(),
        namespace: "ROOT\\CIMV2".to_owned(),
    });
    instance
}

/// Instances `0..count`, each encoded as its own EncodingUnit.
pub fn encoding_units(count: usize) -> Vec<Vec<u8>> {
    let class = class();
    (0..count)
        .map(|index| {
            WmiObject::Instance(instance(&class, index))
                .encode()
                .expect("the benchmark instance encodes")
        })
        .collect()
}
