//! The MOF files the emulator ships must parse with the emulator's own MOF parser.

#[test]
fn shipped_mof_files_parse() {
    for (name, text) in [
        ("cimv2.mof", include_str!("../repository/cimv2.mof")),
        ("security.mof", include_str!("../repository/security.mof")),
    ] {
        let file = rwmi_sim::mof::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(file.classes().count() > 0, "{name} declares classes");
    }
}
