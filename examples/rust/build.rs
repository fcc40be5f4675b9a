// Registers schema.graphql with cynic, so that the derives check every
// query against the server's schema at compile time.
fn main() {
    cynic_codegen::register_schema("projects")
        .from_sdl_file("../../schema.graphql")
        .expect("schema.graphql")
        .as_default()
        .expect("the default schema");
    println!("cargo::rerun-if-changed=../../schema.graphql");
}
