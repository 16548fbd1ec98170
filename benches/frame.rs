//! Placeholder until the frame benchmark lands.
fn main() {}
