//! Pack tooling: what `closeout test` and `closeout init-pack` do for a policy
//! author. [`regotest`] runs a pack's Rego unit tests, [`coverage`] checks the
//! fixtures against their manifests and reports which conditions a fixture
//! trips and clears, [`scaffold`] writes a new pack.
//!
//! Uses every library layer but [`crate::render`].

pub mod coverage;
pub mod regotest;
pub mod scaffold;
