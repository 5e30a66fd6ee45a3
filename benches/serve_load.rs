//! A bounded load generator for `closeout serve` (benches/serve.sh runs it):
//! a fixed number of requests at a fixed concurrency on loopback, each
//! client one keep-alive connection, stopping by itself. Prints decisions/s
//! and the p50, p99 and max latency.
//!
//!   cargo bench --bench serve_load -- URL FILE REQUESTS CONCURRENCY

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [url, file, requests, concurrency] = &args[..] else {
        eprintln!("usage: serve_load URL FILE REQUESTS CONCURRENCY");
        std::process::exit(2);
    };
    let body = std::fs::read(file).expect("the snapshot file");
    let requests: usize = requests.parse().expect("REQUESTS");
    let concurrency: usize = concurrency.parse().expect("CONCURRENCY");
    // Only loopback: this is a load generator for the local service.
    assert!(
        url.starts_with("http://127.") || url.starts_with("http://localhost"),
        "loopback only"
    );
    let started = Instant::now();
    let threads: Vec<_> = (0..concurrency)
        .map(|n| {
            let (url, body) = (url.clone(), body.clone());
            let count = requests / concurrency + usize::from(n < requests % concurrency);
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let mut latencies = Vec::with_capacity(count);
                for _ in 0..count {
                    let t = Instant::now();
                    let mut response = agent.post(&url).send(&body[..]).expect("a response");
                    let text = response.body_mut().read_to_string().expect("a body");
                    assert!(response.status() == 200, "{}", text);
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a client"))
        .collect();
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "requests={} concurrency={} seconds={:.2} decisions_per_s={:.0} p50_ms={:.3} p99_ms={:.3} max_ms={:.3}",
        latencies.len(),
        concurrency,
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
}
