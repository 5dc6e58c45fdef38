//! Salescope's workflows that the server and the command line share, above the store and below
//! both front ends: what time it is ([`clock`]), who may sign in ([`accounts`]) and when an edit would
//! overwrite someone else's ([`edits`]).
//!
//! **Architecture invariant:** `web` and `cli` read the time only through a [`clock::Clock`] and
//! create accounts and tokens only through [`accounts`], so the two front ends cannot disagree
//! on either.

pub mod accounts;
pub mod clock;
pub mod edits;
