//! Nothing here: this package exists for its test binary (`main.rs`), which depends on the
//! generator (`xtask`) and so is kept out of the package whose tests link the SDK.
