//! The run pipeline (issue 10 moves `check` here); for now, sharding and merging.

pub mod merge;
pub mod shard;
