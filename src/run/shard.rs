//! `--shard K/N`: which snapshots shard K of N checks. Pure: no I/O.
//!
//! The shard key of a snapshot is its `snapshot_id`. A snapshot that could
//! not be read or parsed has none: its key is then its source, as its result
//! names it (`path`, or `path:line` for a line of a JSON Lines file or
//! `<stdin>:line`). That source is the same in every shard of a run given the
//! same arguments, so such an error lands in exactly one shard, like any
//! snapshot: never in none, never in two. (A schema error keeps the
//! `snapshot_id` the document gave, and is keyed by it.)
//!
//! The key is hashed with SipHash-2-4 (the reference algorithm of Aumasson
//! and Bernstein, 64-bit output) under the fixed key of the reference test
//! vectors, bytes `00 01 … 0f` ([`KEY0`], [`KEY1`]), over the key's UTF-8
//! bytes and nothing else. Shard K (1-based) holds the keys whose hash modulo
//! N is K - 1. Nothing here depends on the platform, the process or the
//! release: a hash never changes, so neither does a snapshot's shard.

use crate::model::Shard;
use siphasher::sip::SipHasher24;

/// SipHash key, first half: bytes `00 01 02 03 04 05 06 07`, read little-endian.
pub const KEY0: u64 = 0x0706_0504_0302_0100;
/// SipHash key, second half: bytes `08 09 0a 0b 0c 0d 0e 0f`, read little-endian.
pub const KEY1: u64 = 0x0f0e_0d0c_0b0a_0908;

/// The most shards a run may be cut into.
pub const MAX_SHARDS: u32 = 1_000_000;

/// SipHash-2-4 of `key`'s UTF-8 bytes under [`KEY0`], [`KEY1`].
pub fn key_hash(key: &str) -> u64 {
    SipHasher24::new_with_keys(KEY0, KEY1).hash(key.as_bytes())
}

/// The shard key: the snapshot id when there is one, else the source.
pub fn shard_key<'a>(snapshot_id: Option<&'a str>, source: &'a str) -> &'a str {
    snapshot_id.unwrap_or(source)
}

/// The shard (1-based) of `count` that holds `key`.
pub fn shard_of(key: &str, count: u32) -> u32 {
    let count = count.max(1);
    // The remainder is below `count`, a u32, so the cast is exact.
    (key_hash(key) % u64::from(count)) as u32 + 1
}

/// Whether `shard` checks the snapshot with this id (or, without one, source).
pub fn holds(shard: Shard, snapshot_id: Option<&str>, source: &str) -> bool {
    shard_of(shard_key(snapshot_id, source), shard.count) == shard.index
}

/// Parses `K/N`: 1 <= K <= N <= [`MAX_SHARDS`], decimal digits only.
pub fn parse(text: &str) -> Result<Shard, String> {
    let usage = || {
        format!(
            "--shard {text:?}: expected K/N, shard K of N with 1 <= K <= N (e.g. 1/4; K counts from 1)"
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(usage)?;
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 7 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(index), Some(count)) = (number(k), number(n)) else {
        return Err(usage());
    };
    if count == 0 {
        return Err(format!("--shard {text:?}: N must be at least 1"));
    }
    if count > MAX_SHARDS {
        return Err(format!("--shard {text:?}: N may be at most {MAX_SHARDS}"));
    }
    if index == 0 {
        return Err(format!(
            "--shard {text:?}: K counts from 1, so shard 0 does not exist (the first is 1/{count})"
        ));
    }
    if index > count {
        return Err(format!("--shard {text:?}: K may be at most N ({count})"));
    }
    Ok(Shard { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_reference_siphash_2_4() {
        // The SipHash paper's test vectors (vectors.h, 64-bit output), under
        // the key 00 01 … 0f: the empty message, and the message 00.
        let hasher = SipHasher24::new_with_keys(KEY0, KEY1);
        assert_eq!(hasher.hash(&[]), 0x726f_db47_dd0e_0e31);
        assert_eq!(hasher.hash(&[0]), 0x74f8_39c5_93dc_67fd);
        // The empty key and a fixture's snapshot id, pinned: a change here
        // moves snapshots between shards, which must never happen.
        assert_eq!(key_hash(""), 0x726f_db47_dd0e_0e31);
        assert_eq!(key_hash("tc-vouchers-2026-11-20"), 0x1910_9db8_9a59_e914);
        assert_eq!(shard_of("tc-vouchers-2026-11-20", 4), 1);
    }

    #[test]
    fn shards_are_disjoint_and_cover_every_key_for_many_counts() {
        let mut keys: Vec<String> = (0..2_000).map(|i| format!("snap-{i}")).collect();
        // Errors keyed by their source.
        keys.extend((1..200).map(|line| format!("big.jsonl:{line}")));
        for count in (1..=40).chain([97, 256, 1000]) {
            let mut sizes = vec![0usize; count as usize];
            for key in &keys {
                let holders: Vec<u32> = (1..=count)
                    .filter(|&index| holds(Shard { index, count }, Some(key), "ignored"))
                    .collect();
                assert_eq!(holders.len(), 1, "{key} in shards {holders:?} of {count}");
                assert_eq!(holders[0], shard_of(key, count));
                sizes[holders[0] as usize - 1] += 1;
            }
            assert_eq!(sizes.iter().sum::<usize>(), keys.len());
            if count <= 8 {
                // Spread: no shard holds much more than its share.
                let share = keys.len() / count as usize;
                assert!(
                    sizes.iter().all(|&s| s < share + share / 4 + 10),
                    "{count}: {sizes:?}"
                );
            }
        }
    }

    #[test]
    fn a_snapshot_without_id_is_keyed_by_its_source() {
        for count in 1..=16 {
            let shard = |index| Shard { index, count };
            let holders = (1..=count)
                .filter(|&k| holds(shard(k), None, "dir/broken.json"))
                .count();
            assert_eq!(holders, 1);
            assert!(holds(
                shard(shard_of("dir/broken.json", count)),
                None,
                "dir/broken.json"
            ));
        }
        assert_eq!(shard_key(None, "a.jsonl:3"), "a.jsonl:3");
        assert_eq!(shard_key(Some("s-1"), "a.jsonl:3"), "s-1");
    }

    #[test]
    fn only_k_of_n_with_one_le_k_le_n_parses() {
        assert_eq!(parse("1/1"), Ok(Shard { index: 1, count: 1 }));
        assert_eq!(parse("3/4"), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(parse("4/4").map(|s| s.to_string()), Ok("4/4".into()));
        assert_eq!(
            parse("007/10"),
            Ok(Shard {
                index: 7,
                count: 10
            })
        );
        for bad in [
            "",
            "0/4",
            "5/4",
            "1/0",
            "0/0",
            "4",
            "1/",
            "/4",
            "a/b",
            "-1/4",
            "+1/4",
            "1/4/2",
            " 1/4",
            "1 /4",
            "1.0/4",
            "1/1000001",
            "1/99999999999",
            "²/4",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        assert!(parse("0/4").unwrap_err().contains("counts from 1"));
        assert!(parse("5/4").unwrap_err().contains("at most N"));
        assert!(parse("1/0").unwrap_err().contains("at least 1"));
    }
}
