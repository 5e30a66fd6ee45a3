//! The parse-only floor for `benches/run.sh`: reads and parses the same bytes
//! closeout checks, with serde_json alone, and prints the seconds it took.
//! No evaluator can check a snapshot faster than it can parse it.
//!
//!     cargo bench --bench parse_floor -- DIR|FILE.jsonl
//!
//! A directory: every file in it (sorted), each read and parsed as one JSON
//! document. A JSON Lines file: read once, each non-blank line parsed. Prints
//! `<seconds> <snapshots>` on standard output; exit code 2 when nothing parsed.

use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

fn main() {
    let Some(target) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench parse_floor -- DIR|FILE.jsonl");
        std::process::exit(2);
    };
    let target = Path::new(&target);
    let start = Instant::now();
    let mut parsed = 0usize;
    let mut parse = |bytes: &[u8]| match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => {
            std::hint::black_box(value);
            parsed += 1;
        }
        Err(e) => {
            eprintln!("not JSON: {e}");
            std::process::exit(2);
        }
    };
    if target.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(target)
            .expect("readable directory")
            .map(|e| e.expect("directory entry").path())
            .collect();
        names.sort();
        for name in names {
            parse(&std::fs::read(&name).expect("readable file"));
        }
    } else {
        let file = std::fs::File::open(target).expect("readable file");
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).expect("readable") > 0 {
            if !line.iter().all(u8::is_ascii_whitespace) {
                parse(&line);
            }
            line.clear();
        }
    }
    if parsed == 0 {
        eprintln!("nothing parsed in {}", target.display());
        std::process::exit(2);
    }
    println!("{} {parsed}", start.elapsed().as_secs_f64());
}
