//! A fast, non-cryptographic hasher (the Fx hash of Firefox and rustc) for the hot maps of
//! ingestion, whose keys come from the organisation's own data.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The multiply only carries low input bits upwards, so keys that differ in their last
    /// bytes (`K0012345`, `K0012346`) would share their low bits and crowd the same buckets; a
    /// final mix (SplitMix64's) spreads every input bit over the whole word.
    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.hash;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

pub type FxBuildHasher = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;
pub type FxHashSet<T> = std::collections::HashSet<T, FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn equal_keys_hash_equally_and_different_keys_differ() {
        let b = FxBuildHasher::default();
        assert_eq!(b.hash_one("C000000001"), b.hash_one("C000000001"));
        assert_ne!(b.hash_one("C000000001"), b.hash_one("C000000002"));
        let mut set = FxHashSet::default();
        for i in 0..10_000 {
            assert!(set.insert(format!("K{i:07}")));
        }
        // Ids that differ only in their last characters land in different buckets: the low
        // bits of their hashes differ.
        let low_bits: FxHashSet<u64> = (0..1000).map(|i| b.hash_one(format!("K{i:07}")) & 0xfff).collect();
        assert!(low_bits.len() > 700, "{} distinct bucket indices of 1000", low_bits.len());
    }
}
