//! Discord delivery and interaction latency against the fake Discord: `cargo bench --bench discord`.

fn main() {
    println!("discord bench: not written yet");
}
