//! `run --shard K/N`: a stable share of the selected cases, so that N machines each run one
//! share and `check`, `summarize` and `compare` merge their reports back into one run.
//!
//! Shard K of N takes the selected cases at positions K-1, K-1+N, K-1+2N, … of the testsuite's
//! order. The share depends only on the selection, never on the machine, the clock or the
//! results, so a re-run of a shard runs the same cases; dealing the cases round-robin spreads
//! every category with at least N cases over every shard and keeps the shards' sizes within one
//! case of each other. Case numbers (the `case` field) stay those of the whole selection, so the
//! merged shards write what the unsharded run writes.

use std::fmt;
use std::str::FromStr;

/// One share of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index, `1..=count`.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

/// Why `K/N` is not a shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a shard: write K/N with 1 <= K <= N, such as 2/4")]
pub struct ShardError(pub String);

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ShardError(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the case at `position` (0-based, in the selection) belongs to this shard.
    pub fn takes(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_what_is_not_k_of_n() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!("2/4".parse::<Shard>().unwrap().to_string(), "2/4");
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_case_of_the_catalog_is_in_exactly_one_shard_and_every_category_in_every_shard() {
        let all = crate::catalog::all_ids();
        for n in [1, 2, 3, 16] {
            let shards: Vec<Shard> = (1..=n).map(|index| Shard { index, count: n }).collect();
            for (i, _) in all.iter().enumerate() {
                assert_eq!(shards.iter().filter(|s| s.takes(i)).count(), 1);
            }
            let sizes: Vec<usize> = shards
                .iter()
                .map(|s| (0..all.len()).filter(|&i| s.takes(i)).count())
                .collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
        // 16 shards (as one project runs): each has a case of every category of 16 cases or
        // more (2.x has 11 cases, 3.x 7, 4.x 10, 10.x one)
        let mut big: Vec<u32> = all.iter().map(|id| id.category()).collect();
        big.dedup();
        big.retain(|c| all.iter().filter(|id| id.category() == *c).count() >= 16);
        assert_eq!(big, [1, 5, 6, 7, 9, 12, 13]);
        for index in 1..=16 {
            let s = Shard { index, count: 16 };
            let mut cats: Vec<u32> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| s.takes(*i))
                .map(|(_, id)| id.category())
                .collect();
            cats.dedup();
            cats.retain(|c| big.contains(c));
            assert_eq!(cats, big, "shard {s}");
        }
    }
}
