//! `imgsig-mock`: run the mock cloud until Ctrl-C.
fn main() {}
