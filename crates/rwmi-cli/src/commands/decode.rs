//! `rwmi decode [--class] FILE`: prints a WMI object found in a file as JSON, or with `--class` the
//! declaration of its class (`wmio::class_declaration`). The file holds an OBJREF_CUSTOM blob
//! (signature `MEOW`, MS-DCOM 2.2.18.6) carrying an IWbemClassObject, an MS-WMIO encoding unit (signature
//! 0x12345678), or a bare object block, as captured from the wire.

use rwmi_core::dcom::objref::OBJREF_SIGNATURE;
use rwmi_core::dcom::{ObjRef, ObjRefBody};
use rwmi_core::wmio::{self, Limits, WmiObject};

use crate::exit;

/// What `rwmi decode` prints of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The values, as JSON.
    Values,
    /// The class, as MOF-like text.
    Class,
}

/// The object in `bytes` in the view asked for, or a message saying what was wrong and where.
pub fn decode_as(bytes: &[u8], view: View) -> Result<String, String> {
    let object = object(bytes)?;
    Ok(match view {
        View::Values => wmio::object_to_json(&object),
        View::Class => wmio::class_declaration(object.class()),
    })
}

fn object(bytes: &[u8]) -> Result<WmiObject, String> {
    if bytes.starts_with(&OBJREF_SIGNATURE.to_le_bytes()) {
        let objref = ObjRef::decode(bytes).map_err(|e| e.to_string())?;
        return match objref.body {
            ObjRefBody::Custom(custom) => object(&custom.object_data),
            _ => Err("the OBJREF is not OBJREF_CUSTOM: it refers to a remote object rather than carrying one".into()),
        };
    }
    let limits = Limits::default();
    if bytes.starts_with(&wmio::SIGNATURE.to_le_bytes()) {
        wmio::decode_encoding_unit(bytes, &limits, None).map(|unit| unit.object)
    } else {
        wmio::decode_object_block(bytes, &limits, None)
    }
    .map_err(|e| e.to_string())
}

pub fn run(path: &str, class: bool) -> u8 {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("rwmi: cannot read {path}: {e}");
            return exit::USAGE;
        }
    };
    let view = if class { View::Class } else { View::Values };
    match decode_as(&bytes, view) {
        Ok(text) => {
            println!("{}", text.trim_end());
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!("rwmi: {path} is not a WMI object: {e}");
            exit::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rwmi_core::dcom::ObjRefCustom;
    use rwmi_core::wmi::ids::{CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, IID_IWBEM_CLASS_OBJECT};
    use rwmi_core::wmio::{CimBase, CimType, ClassBuilder, Value, WmiInstance, WmiObject};

    fn sample() -> Vec<u8> {
        let class = ClassBuilder::new("Sample")
            .property("Name", CimType::scalar(CimBase::String), vec![], None)
            .property("Count", CimType::scalar(CimBase::UInt32), vec![], None)
            .property("Ok", CimType::scalar(CimBase::Boolean), vec![], None)
            .build()
            .unwrap();
        let mut instance = WmiInstance::new(class);
        instance
            .set("Name", Some(Value::String("a \"quoted\" name".into())))
            .unwrap();
        instance.set("Count", Some(Value::UInt32(42))).unwrap();
        WmiObject::Instance(instance).encode().unwrap()
    }

    #[test]
    fn encoding_units_and_meow_blobs_decode_to_the_same_json() {
        let unit = sample();
        let json = decode_as(&unit, View::Values).unwrap();
        assert_eq!(
            json,
            r#"{"__CLASS": "Sample", "Name": "a \"quoted\" name", "Count": 42, "Ok": null}"#
        );
        let objref = ObjRef {
            iid: IID_IWBEM_CLASS_OBJECT,
            body: ObjRefBody::Custom(ObjRefCustom::new(
                CLSID_WBEM_CLASS_OBJECT_UNMARSHALER,
                unit.clone(),
            )),
        };
        assert_eq!(decode_as(&objref.encode(), View::Values).unwrap(), json);
        let class = decode_as(&unit, View::Class).unwrap();
        assert_eq!(
            class,
            "class Sample\n{\n\t[CIMTYPE(\"string\"): ToInstance] string Name;\n\t[CIMTYPE(\"uint32\"): ToInstance] uint32 Count;\n\t[CIMTYPE(\"boolean\"): ToInstance] boolean Ok;\n};\n"
        );
        assert_eq!(decode_as(&objref.encode(), View::Class).unwrap(), class);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode_as(b"MEOW", View::Values).is_err());
        assert!(decode_as(&[0x78, 0x56, 0x34, 0x12, 0xff, 0xff], View::Class).is_err());
        assert!(decode_as(&[], View::Values).is_err());
    }
}
