//! Empty on purpose: xtask has a build script only so that `oig-workspace-hack` can be its
//! build dependency too, which aligns the features of the proc-macro side (typify's macro
//! compiles typify-impl, regress and schemars for the host) with the generator's own. Without
//! it those compile twice.
fn main() {}
