//! The generated client's public types, one line each, read from `generated.rs` with syn.

fn generated_source() -> String {
    let path = xtask::workspace_root().join("governance-client/src/generated.rs");
    std::fs::read_to_string(path).expect("generated.rs is readable")
}

#[test]
fn public_types() {
    let listing = xtask::surface::public_types(&generated_source()).expect("generated.rs parses");
    insta::assert_snapshot!(listing);
}
