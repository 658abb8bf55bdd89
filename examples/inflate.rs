//! The raw speed of the decompressor `guardrails hunt` links (flate2 with the zlib-rs
//! backend, called as hunt calls it: `input::gunzip`): reads and inflates every `.gz` file under the given paths in parallel (rayon,
//! one file per task, like the hunt engine) and prints
//! `inflate: <files> files <bytes> bytes <seconds> s <MB/s> MB/s` (MB = 10^6 bytes of
//! output). No splitting or parsing: the ceiling for `hunt` on the same files.
//! Used by bench/hunt; `cargo run --release --example inflate -- DIR...`.

use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).expect("readable directory").flatten() {
            walk(&e.path(), out);
        }
    } else if p.extension().is_some_and(|e| e == "gz") {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let mut files = Vec::new();
    for a in std::env::args_os().skip(1) {
        walk(Path::new(&a), &mut files);
    }
    files.sort();
    let start = std::time::Instant::now();
    let bytes: u64 = files
        .par_iter()
        .map(|f| {
            let gz = std::fs::read(f).expect("readable file");
            let out = guardrails::hunt::input::gunzip(&gz, Vec::new()).expect("valid gzip");
            out.len() as u64
        })
        .sum();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "inflate: {} files {} bytes {:.3} s {:.1} MB/s",
        files.len(),
        bytes,
        secs,
        bytes as f64 / 1e6 / secs
    );
}
