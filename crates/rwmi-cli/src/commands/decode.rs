//! `rwmi decode FILE`: prints a WMI object found in a file as JSON. The file holds an OBJREF_CUSTOM blob
//! (signature `MEOW`, MS-DCOM 2.2.18.6) carrying an IWbemClassObject, an MS-WMIO encoding unit (signature
//! 0x12345678), or a bare object block, as captured from the wire.

use rwmi_core::dcom::objref::OBJREF_SIGNATURE;
use rwmi_core::dcom::{ObjRef, ObjRefBody};
use rwmi_core::wmio::{self, Limits};

use crate::exit;

/// The object in `bytes` as JSON, or a message saying what was wrong and where.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if bytes.starts_with(&OBJREF_SIGNATURE.to_le_bytes()) {
        let objref = ObjRef::decode(bytes).map_err(|e| e.to_string())?;
        return match objref.body {
            ObjRefBody::Custom(custom) => decode(&custom.object_data),
            _ => Err("the OBJREF is not OBJREF_CUSTOM: it refers to a remote object rather than carrying one".into()),
        };
    }
    let limits = Limits::default();
    let object = if bytes.starts_with(&wmio::SIGNATURE.to_le_bytes()) {
        wmio::decode_encoding_unit(bytes, &limits, None).map(|unit| unit.object)
    } else {
        wmio::decode_object_block(bytes, &limits, None)
    };
    object
        .map(|o| wmio::object_to_json(&o))
        .map_err(|e| e.to_string())
}

pub fn run(path: &str) -> u8 {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("rwmi: cannot read {path}: {e}");
            return exit::USAGE;
        }
    };
    match decode(&bytes) {
        Ok(json) => {
            println!("{json}");
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
        let json = decode(&unit).unwrap();
        assert_eq!(
            json,
            r#"{"__CLASS": "Sample", "Name": "a \"quoted\" name", "Count": 42, "Ok": null}"#
        );
        let objref = ObjRef {
            iid: IID_IWBEM_CLASS_OBJECT,
            body: ObjRefBody::Custom(ObjRefCustom::new(CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, unit)),
        };
        assert_eq!(decode(&objref.encode()).unwrap(), json);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"MEOW").is_err());
        assert!(decode(&[0x78, 0x56, 0x34, 0x12, 0xff, 0xff]).is_err());
        assert!(decode(&[]).is_err());
    }
}
