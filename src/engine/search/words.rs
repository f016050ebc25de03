//! A word dictionary searched with typos: an `fst` map (sorted words → value, compact
//! and searchable with any automaton) walked by a Levenshtein automaton from
//! `levenshtein_automata` (Schulz–Mihov DFAs; a transposition counts as one typo), so a
//! query word is matched against every distinct word of the catalogue at once, without
//! computing edit distances word by word.

use fst::{IntoStreamer, Streamer};
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder};

/// The most typos tolerated in one word.
pub const MAX_TYPOS: u8 = 2;

/// How good a word match is, as one byte (0 = no match; higher is better): fewer typos
/// first, then a whole word before a prefix of a longer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Quality(pub u8);

impl Quality {
    pub const NONE: Quality = Quality(0);
    pub const EXACT: Quality = Quality(1 + MAX_TYPOS * 2 + 1);
    pub const PREFIX: Quality = Quality(1 + MAX_TYPOS * 2);

    pub fn new(typos: u8, whole: bool) -> Self {
        Quality(1 + (MAX_TYPOS - typos.min(MAX_TYPOS)) * 2 + u8::from(whole))
    }
    pub fn is_some(self) -> bool {
        self.0 > 0
    }
    pub fn typos(self) -> u8 {
        if self.0 == 0 {
            0
        } else {
            MAX_TYPOS - (self.0 - 1) / 2
        }
    }
    /// A prefix of a longer word (the word being typed), not the whole word.
    pub fn is_prefix(self) -> bool {
        self.0 > 0 && (self.0 - 1) % 2 == 0
    }
}

/// The typos a word of `len` characters may have, as Meilisearch and Typesense
/// count them: none up to 4 letters, one up to 8, two beyond. Numbers get none
/// (1995 is not 1996).
pub fn typo_budget(word: &str) -> u8 {
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => MAX_TYPOS,
    }
}

/// The Levenshtein automaton builders, one per typo budget (building one costs a few
/// milliseconds, so they are made once per index).
pub struct Typos {
    builders: Vec<LevenshteinAutomatonBuilder>,
}

impl Typos {
    pub fn new() -> Self {
        Typos {
            builders: (0..=MAX_TYPOS)
                .map(|d| LevenshteinAutomatonBuilder::new(d, true))
                .collect(),
        }
    }
}

impl Default for Typos {
    fn default() -> Self {
        Self::new()
    }
}

/// A set of distinct words, each with a value (a word id, a genre bit).
pub struct WordSet {
    map: fst::Map<Vec<u8>>,
}

impl WordSet {
    /// `words` must be sorted and distinct (as bytes).
    pub fn new<'a>(words: impl IntoIterator<Item = (&'a str, u64)>) -> Self {
        // Sorted, distinct input is the only way `from_iter` fails; callers sort and
        // dedup, so an error here is a bug, and an empty set keeps search working.
        let map = fst::Map::from_iter(words).unwrap_or_default();
        WordSet { map }
    }

    /// How many words it holds.
    pub fn count(&self) -> usize {
        self.map.len()
    }

    /// Every word within `budget` typos of `query` (of a prefix of the word when
    /// `prefix`), with its value and match quality.
    pub fn matches(
        &self,
        query: &str,
        budget: u8,
        prefix: bool,
        typos: &Typos,
        out: &mut Vec<(u64, Quality)>,
    ) {
        let builder = &typos.builders[usize::from(budget.min(MAX_TYPOS))];
        let dfa = if prefix {
            builder.build_prefix_dfa(query)
        } else {
            builder.build_dfa(query)
        };
        // For a prefix search with typos: is the whole word as close as its best prefix?
        let whole_dfa = (prefix && budget > 0).then(|| builder.build_dfa(query));
        let mut stream = self.map.search_with_state(&dfa).into_stream();
        while let Some((word, value, state)) = stream.next() {
            let Distance::Exact(typos) = dfa.distance(state) else {
                continue;
            };
            let whole = !prefix
                || word == query.as_bytes()
                || whole_dfa
                    .as_ref()
                    .is_some_and(|d| d.eval(word) == Distance::Exact(typos));
            out.push((value, Quality::new(typos, whole)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(words: &[&str]) -> WordSet {
        let mut sorted: Vec<&str> = words.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        WordSet::new(sorted.into_iter().zip(0..))
    }

    fn found(set: &WordSet, words: &[&str], q: &str, prefix: bool) -> Vec<(String, u8, bool)> {
        let mut sorted: Vec<&str> = words.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = Vec::new();
        set.matches(q, typo_budget(q), prefix, &Typos::new(), &mut out);
        out.into_iter()
            .map(|(v, q)| (sorted[v as usize].to_string(), q.typos(), q.is_prefix()))
            .collect()
    }

    const WORDS: &[&str] = &[
        "matrix",
        "matrices",
        "shawshank",
        "redemption",
        "star",
        "stardust",
        "wars",
        "war",
        "mat",
        "1995",
        "1996",
    ];

    #[test]
    fn typo_budgets_follow_word_length() {
        assert_eq!(typo_budget("war"), 0);
        assert_eq!(typo_budget("wars"), 0);
        assert_eq!(typo_budget("matirx"), 1);
        assert_eq!(typo_budget("shawshenk"), 2);
        assert_eq!(typo_budget("19955"), 0);
        assert_eq!(typo_budget("pokémon"), 1);
    }

    #[test]
    fn whole_words_within_the_budget() {
        let s = set(WORDS);
        assert_eq!(
            found(&s, WORDS, "matirx", false),
            [("matrix".into(), 1, false)]
        );
        assert_eq!(
            found(&s, WORDS, "shawshenk", false),
            [("shawshank".into(), 1, false)]
        );
        assert_eq!(
            found(&s, WORDS, "shwashenk", false),
            [("shawshank".into(), 2, false)]
        );
        // Four letters: no typo allowed.
        assert_eq!(found(&s, WORDS, "wars", false), [("wars".into(), 0, false)]);
        assert!(found(&s, WORDS, "warz", false).is_empty());
        assert!(found(&s, WORDS, "1997", false).is_empty());
    }

    #[test]
    fn prefixes_of_the_word_being_typed() {
        let s = set(WORDS);
        let got = found(&s, WORDS, "star", true);
        assert_eq!(
            got,
            [("star".into(), 0, false), ("stardust".into(), 0, true)]
        );
        let got = found(&s, WORDS, "matri", true);
        assert!(got.contains(&("matrix".into(), 0, true)), "{got:?}");
        assert!(got.contains(&("matrices".into(), 0, true)), "{got:?}");
        // With a typo in the typed part.
        let got = found(&s, WORDS, "shawsj", true);
        assert_eq!(got, [("shawshank".into(), 1, true)]);
        let got = found(&s, WORDS, "redemptoin", true);
        assert_eq!(got, [("redemption".into(), 1, false)]);
    }

    #[test]
    fn quality_orders_typos_before_prefixes() {
        assert!(Quality::EXACT > Quality::PREFIX);
        assert!(Quality::PREFIX > Quality::new(1, true));
        assert!(Quality::new(1, true) > Quality::new(1, false));
        assert!(Quality::new(1, false) > Quality::new(2, true));
        assert!(Quality::new(2, false) > Quality::NONE);
        assert_eq!(Quality::new(2, false).typos(), 2);
        assert!(Quality::new(2, false).is_prefix() && !Quality::EXACT.is_prefix());
        assert_eq!(Quality::EXACT.typos(), 0);
    }
}
