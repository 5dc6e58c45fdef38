//! Exact distinct-customer counts over any range and scope.
//!
//! Each customer id gets a small integer key. Per rep and day the store keeps the multiset of
//! customers reached (with how many calls or deals), and per rep and month the set; a query unions
//! the sets of its months and loose days into a bitmap and counts it. Nothing is estimated.

/// Which customers a set holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Customers with a connected call.
    Contacted = 1,
    /// Customers with a won deal closed on the day.
    Won = 2,
}

impl Family {
    pub const ALL: [Family; 2] = [Family::Contacted, Family::Won];

    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn from_code(code: i64) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// (key, count) pairs sorted by key, as stored per rep and day.
pub fn encode_counts(pairs: &[(u32, u32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pairs.len() * 8);
    for (key, count) in pairs {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
    }
    out
}

pub fn decode_counts(bytes: &[u8]) -> Vec<(u32, u32)> {
    bytes.chunks_exact(8).map(|c| (u32::from_le_bytes([c[0], c[1], c[2], c[3]]), u32::from_le_bytes([c[4], c[5], c[6], c[7]]))).collect()
}

/// Sorted keys, as stored per rep and month.
pub fn encode_keys(keys: &[u32]) -> Vec<u8> {
    keys.iter().flat_map(|k| k.to_le_bytes()).collect()
}

pub fn decode_keys(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Applies count changes to a day's multiset (sorted by key); the changes to one key are summed
/// first, and a count never drops below zero. Returns the keys that entered the set and those
/// that left it, each sorted.
pub fn apply_changes(counts: &mut Vec<(u32, u32)>, changes: &[(u32, i64)]) -> (Vec<u32>, Vec<u32>) {
    let mut changes = changes.to_vec();
    changes.sort_unstable_by_key(|(key, _)| *key);
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(counts.len() + changes.len());
    let (mut entered, mut left) = (Vec::new(), Vec::new());
    let mut stored = counts.iter().copied().peekable();
    let mut pending = changes.iter().peekable();
    while let Some(&(key, first)) = pending.next() {
        let mut change = first;
        while let Some((_, more)) = pending.next_if(|(k, _)| *k == key) {
            change += more;
        }
        while let Some(below) = stored.next_if(|(k, _)| *k < key) {
            merged.push(below);
        }
        let before = stored.next_if(|(k, _)| *k == key).map_or(0, |(_, count)| i64::from(count));
        let after = (before + change).clamp(0, i64::from(u32::MAX));
        if after > 0 {
            merged.push((key, after as u32));
        }
        if before == 0 && after > 0 {
            entered.push(key);
        } else if before > 0 && after == 0 {
            left.push(key);
        }
    }
    merged.extend(stored);
    *counts = merged;
    (entered, left)
}

/// The union of two sorted key lists, sorted and without repeats.
pub fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// How many keys two sorted lists share.
pub fn common_sorted(a: &[u32], b: &[u32]) -> u64 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// A set of customer keys as a bitmap, for fast unions and exact counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerBits {
    words: Vec<u64>,
}

impl CustomerBits {
    /// An empty set with room for keys below `capacity`.
    pub fn with_capacity(capacity: u32) -> CustomerBits {
        CustomerBits { words: vec![0; capacity as usize / 64 + 1] }
    }

    pub fn insert(&mut self, key: u32) {
        let word = key as usize / 64;
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (key % 64);
    }

    pub fn contains(&self, key: u32) -> bool {
        self.words.get(key as usize / 64).is_some_and(|w| w & (1 << (key % 64)) != 0)
    }

    pub fn extend(&mut self, keys: impl IntoIterator<Item = u32>) {
        for key in keys {
            self.insert(key);
        }
    }

    pub fn union_with(&mut self, other: &CustomerBits) {
        if other.words.len() > self.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    pub fn len(&self) -> u64 {
        self.words.iter().map(|w| w.count_ones() as u64).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// The bitmap as bytes (little-endian 64-bit words), for storage.
    pub fn to_bytes(&self) -> Vec<u8> {
        let used = self.words.iter().rposition(|w| *w != 0).map_or(0, |i| i + 1);
        self.words[..used].iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    pub fn from_bytes(bytes: &[u8]) -> CustomerBits {
        CustomerBits {
            words: bytes.chunks_exact(8).map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect(),
        }
    }

    /// Size of the intersection with `other`.
    pub fn common(&self, other: &CustomerBits) -> u64 {
        self.words.iter().zip(&other.words).map(|(a, b)| (a & b).count_ones() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip() {
        let pairs = vec![(1, 2), (7, 1), (70_000, 5)];
        assert_eq!(decode_counts(&encode_counts(&pairs)), pairs);
        assert_eq!(decode_keys(&encode_keys(&[3, 9, 1 << 20])), vec![3, 9, 1 << 20]);
    }

    #[test]
    fn a_customer_leaves_the_day_only_when_its_last_call_goes() {
        let mut counts = vec![(5, 2)];
        let (entered, left) = apply_changes(&mut counts, &[(5, -1), (8, 1)]);
        assert_eq!((entered, left), (vec![8], vec![]));
        assert_eq!(counts, vec![(5, 1), (8, 1)]);
        let (entered, left) = apply_changes(&mut counts, &[(5, -1)]);
        assert_eq!((entered, left), (vec![], vec![5]));
        assert_eq!(counts, vec![(8, 1)]);
    }

    #[test]
    fn changes_in_any_order_merge_into_the_sorted_set() {
        let mut counts = vec![(2, 1), (6, 3), (9, 1)];
        let (entered, left) = apply_changes(&mut counts, &[(11, 2), (9, -1), (1, 1), (6, -1), (4, 1), (1, 1), (7, -2)]);
        assert_eq!((entered, left), (vec![1, 4, 11], vec![9]));
        assert_eq!(counts, vec![(1, 2), (2, 1), (4, 1), (6, 2), (11, 2)]);
    }

    #[test]
    fn sorted_lists_merge_and_intersect() {
        assert_eq!(merge_sorted(&[1, 4, 9], &[2, 4, 10]), vec![1, 2, 4, 9, 10]);
        assert_eq!(common_sorted(&[1, 4, 9, 10], &[2, 4, 10]), 2);
    }

    #[test]
    fn bitmaps_count_unions_and_intersections_exactly() {
        let mut a = CustomerBits::default();
        a.extend([1, 2, 3, 200]);
        let mut b = CustomerBits::default();
        b.extend([3, 4, 200, 5000]);
        assert_eq!(a.common(&b), 2);
        a.union_with(&b);
        assert_eq!(a.len(), 6);
        assert_eq!(CustomerBits::from_bytes(&a.to_bytes()).len(), 6);
    }
}
