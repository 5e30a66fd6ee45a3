//! The bundled policies are compiled into the binary with `include_dir!`, which
//! cargo does not track: without this, editing a policy would not rebuild closeout.
fn main() {
    println!("cargo:rerun-if-changed=policies");
    println!("cargo:rerun-if-changed=schema");
}
