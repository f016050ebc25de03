//! Title keys for matching an export's titles against the catalogue: two spellings of
//! one title get the same key ("The Matrix" = "Matrix, The"; "Amélie" = "Amelie";
//! "The Godfather Part II" = "Godfather: Part 2, The"; "WALL·E" = "Wall-E").

use crate::data::title::move_article_front;

/// English articles dropped from the front of a key, so "The Matrix" = "Matrix".
/// Other languages' articles are kept: "Die Hard" is not "Hard".
const LEADING_ARTICLES: &[&str] = &["the", "a", "an"];

/// Words after which a lone "i" is a numeral ("Part I"), not the pronoun ("I, Robot").
const SEQUEL_WORDS: &[&str] = &["part", "chapter", "episode", "vol", "volume", "pt"];

/// The matching key of a title: transliterated to ASCII (accents folded), lower case,
/// "&" read as "and", apostrophes dropped ("Schindler's" = "Schindlers"), other
/// punctuation as spaces, Roman numerals II–XX as digits, "Part"/"Pt." before a number
/// dropped, and a leading English article dropped.
pub fn title_key(title: &str) -> String {
    let front = move_article_front(title);
    let ascii = deunicode::deunicode(&front).to_lowercase();
    let mut cleaned = String::with_capacity(ascii.len());
    for ch in ascii.chars() {
        match ch {
            '\'' | '`' => {}
            '&' => cleaned.push_str(" and "),
            c if c.is_ascii_alphanumeric() => cleaned.push(c),
            _ => cleaned.push(' '),
        }
    }
    let raw: Vec<&str> = cleaned.split_whitespace().collect();
    let mut words: Vec<String> = Vec::with_capacity(raw.len());
    for (k, w) in raw.iter().enumerate() {
        let after_sequel_word = k > 0 && SEQUEL_WORDS.contains(&raw[k - 1]);
        let numeral = match *w {
            "i" if after_sequel_word => Some(1),
            "i" => None,
            _ => roman(w),
        };
        words.push(numeral.map_or_else(|| (*w).to_string(), |n| n.to_string()));
    }
    // "Part 2" → "2", so "The Godfather Part II" = "The Godfather 2".
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (k, w) in words.iter().enumerate() {
        let next_is_number = words
            .get(k + 1)
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
        if (w == "part" || w == "pt") && next_is_number {
            continue;
        }
        out.push(w.clone());
    }
    if out.len() > 1 && LEADING_ARTICLES.contains(&out[0].as_str()) {
        out.remove(0);
    }
    out.join(" ")
}

/// The value of a Roman numeral from 2 to 20 written alone ("ii", "xiv"), else `None`.
fn roman(word: &str) -> Option<u32> {
    const NUMERALS: [&str; 19] = [
        "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv",
        "xvi", "xvii", "xviii", "xix", "xx",
    ];
    NUMERALS
        .iter()
        .position(|n| *n == word)
        .map(|p| p as u32 + 2)
}

/// The parts of a title around its separators (": " and " - "), for a weaker match:
/// "Star Wars: Episode IV - A New Hope" → "Star Wars", "Star Wars: Episode IV",
/// "Episode IV - A New Hope", "A New Hope". Parts that are only a number are left out.
pub fn title_parts(title: &str) -> Vec<String> {
    let mut cuts: Vec<(usize, usize)> = Vec::new(); // (end of head, start of tail)
    for sep in [": ", " - ", " – ", " — "] {
        for (pos, _) in title.match_indices(sep) {
            cuts.push((pos, pos + sep.len()));
        }
    }
    cuts.sort_unstable();
    let mut parts = Vec::new();
    for (head_end, tail_start) in cuts {
        for part in [&title[..head_end], &title[tail_start..]] {
            let key = title_key(part);
            let meaningful = key.chars().any(|c| c.is_ascii_alphabetic()) && key.len() >= 3;
            if meaningful && !parts.contains(&key) {
                parts.push(key);
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_title_share_a_key() {
        let same = [
            ("The Matrix", "Matrix, The"),
            ("Amélie", "Amelie"),
            ("The Godfather Part II", "Godfather: Part II, The"),
            ("The Godfather Part II", "The Godfather 2"),
            ("WALL·E", "Wall-E"),
            ("Schindler's List", "Schindlers List"),
            ("Fast & Furious", "Fast and Furious"),
            ("Rocky II", "Rocky 2"),
            ("Léon: The Professional", "Leon - The Professional"),
            (
                "Harry Potter and the Deathly Hallows – Part 1",
                "Harry Potter and the Deathly Hallows: Part I",
            ),
            (
                "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb",
                "Dr Strangelove or How I Learned to Stop Worrying and Love the Bomb",
            ),
        ];
        for (a, b) in same {
            assert_eq!(title_key(a), title_key(b), "{a} vs {b}");
        }
        assert_ne!(title_key("I, Robot"), title_key("1, Robot"));
        assert_ne!(title_key("Die Hard"), title_key("Hard"));
        assert_eq!(title_key("The"), "the");
        assert_eq!(title_key("Rocky V"), "rocky 5");
    }

    #[test]
    fn parts_around_separators() {
        assert_eq!(
            title_parts("Star Wars: Episode IV - A New Hope"),
            vec![
                "star wars",
                "episode 4 a new hope",
                "star wars episode 4",
                "new hope"
            ]
        );
        assert_eq!(
            title_parts("Harry Potter and the Deathly Hallows: Part 2"),
            vec!["harry potter and the deathly hallows"]
        );
        assert!(title_parts("Toy Story").is_empty());
    }
}
