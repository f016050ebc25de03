//! Text to search words: folded to lower-case ASCII (accents and other scripts
//! transliterated by `deunicode`, so "Pokémon" = "pokemon"), split at punctuation and
//! spaces, with the joined form of punctuated words kept too ("Spider-Man" gives
//! "spider", "man" and "spiderman"; "Ocean's" gives "ocean" and "oceans"), and the digit
//! form of roman numerals and number words ("II" and "two" also give "2").

/// What a word of a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordKind {
    /// A word as written (folded).
    Plain,
    /// The parts of a punctuated word joined ("spiderman"); covers `span` positions.
    Joined,
    /// The digits of a roman numeral or number word ("2" for "II").
    Number,
}

/// One searchable word of a name, at a word position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub pos: usize,
    /// How many positions it covers (more than one only for joined words).
    pub span: usize,
    pub kind: WordKind,
}

/// Lower-case ASCII: accents dropped, other scripts transliterated, unknown characters
/// (emoji without a name, private use) as spaces.
pub fn fold(text: &str) -> String {
    let mut out = deunicode::deunicode_with_tofu(text, " ");
    out.make_ascii_lowercase();
    out
}

/// The words of a name (a title, an alternative title or a query), in order.
pub fn words(text: &str) -> Vec<Word> {
    let folded = fold(text);
    let mut out = Vec::new();
    let mut pos = 0;
    for chunk in folded.split_whitespace() {
        let start = pos;
        let mut parts: Vec<&str> = Vec::new();
        let mut after_apostrophe = false;
        let mut rest = chunk;
        while !rest.is_empty() {
            let begin = rest
                .find(|c: char| c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            if rest[..begin].contains(['\'', '`']) {
                after_apostrophe = true;
            }
            rest = &rest[begin..];
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            let part = &rest[..end];
            // The "s" of "Ocean's", the "t" of "don't": only part of the joined word,
            // so "ocean eleven" still covers every word of "Ocean's Eleven".
            let clitic = after_apostrophe && !parts.is_empty() && part.len() <= 2;
            if !clitic {
                push_word(&mut out, part, pos);
                pos += 1;
            }
            parts.push(part);
            after_apostrophe = false;
            rest = &rest[end..];
        }
        if parts.len() > 1 {
            out.push(Word {
                text: parts.concat(),
                pos: start,
                span: (pos - start).max(1),
                kind: WordKind::Joined,
            });
        }
    }
    out
}

/// Pushes a plain word and, for a numeral or number word, its digits.
fn push_word(out: &mut Vec<Word>, part: &str, pos: usize) {
    out.push(Word {
        text: part.to_string(),
        pos,
        span: 1,
        kind: WordKind::Plain,
    });
    if let Some(n) = number_value(part) {
        out.push(Word {
            text: n.to_string(),
            pos,
            span: 1,
            kind: WordKind::Number,
        });
    }
}

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("hundred", 100),
];

/// The value of a number word ("eleven") or a roman numeral from II to XXXIX ("iv").
/// "i" and "x" alone are left alone: as words they are far more often a pronoun or a
/// letter ("I, Robot", "Malcolm X") than a number.
pub fn number_value(word: &str) -> Option<u32> {
    if let Some(&(_, n)) = NUMBER_WORDS.iter().find(|(w, _)| *w == word) {
        return Some(n);
    }
    if word == "i" || word == "x" || word.len() > 6 {
        return None;
    }
    let value = roman_value(word)?;
    // Only the canonical spelling ("iv", not "iiii"), so ordinary words never parse.
    (roman(value) == word).then_some(value)
}

fn roman_value(word: &str) -> Option<u32> {
    let digit = |c: u8| match c {
        b'i' => Some(1),
        b'v' => Some(5),
        b'x' => Some(10),
        _ => None,
    };
    let bytes = word.as_bytes();
    let mut total = 0i32;
    for (k, &b) in bytes.iter().enumerate() {
        let v = digit(b)?;
        match bytes.get(k + 1).map(|&n| digit(n)) {
            Some(None) => return None,
            // A smaller digit before a larger one subtracts ("iv" = 5 - 1).
            Some(Some(next)) if next > v => total -= v,
            _ => total += v,
        }
    }
    u32::try_from(total).ok().filter(|t| (1..40).contains(t))
}

fn roman(mut n: u32) -> String {
    let mut out = String::new();
    for (value, text) in [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")] {
        while n >= value {
            out.push_str(text);
            n -= value;
        }
    }
    out
}

/// Leading articles that do not make a title start ("The Matrix" starts with "matrix").
pub fn is_article(word: &str) -> bool {
    matches!(
        word,
        "the"
            | "a"
            | "an"
            | "les"
            | "la"
            | "le"
            | "l"
            | "il"
            | "lo"
            | "gli"
            | "das"
            | "der"
            | "die"
            | "den"
            | "det"
            | "de"
            | "het"
            | "el"
            | "los"
            | "las"
            | "un"
            | "une"
            | "una"
            | "uno"
            | "ein"
            | "eine"
            | "os"
            | "o"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(String, usize, usize, WordKind)> {
        words(text)
            .into_iter()
            .map(|w| (w.text, w.pos, w.span, w.kind))
            .collect()
    }

    fn plain(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn folds_accents_case_and_scripts() {
        assert_eq!(fold("Pokémon"), "pokemon");
        assert_eq!(fold("Léon: The Professional"), "leon: the professional");
        assert_eq!(fold("Amélie Poulain"), "amelie poulain");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ørnen"), "ornen");
        assert_eq!(plain("Pokémon"), plain("POKEMON"));
    }

    #[test]
    fn punctuated_words_split_and_join() {
        use WordKind::*;
        assert_eq!(
            texts("Spider-Man 2"),
            vec![
                ("spider".into(), 0, 1, Plain),
                ("man".into(), 1, 1, Plain),
                ("spiderman".into(), 0, 2, Joined),
                ("2".into(), 2, 1, Plain),
            ]
        );
        assert_eq!(
            texts("Ocean's Eleven"),
            vec![
                ("ocean".into(), 0, 1, Plain),
                ("oceans".into(), 0, 1, Joined),
                ("eleven".into(), 1, 1, Plain),
                ("11".into(), 1, 1, Number),
            ]
        );
        assert_eq!(plain("E.T. the Extra-Terrestrial")[..3], ["e", "t", "et"]);
        assert!(plain("WALL·E").contains(&"walle".to_string()));
        assert_eq!(plain("L'Avventura"), ["l", "avventura", "lavventura"]);
        assert_eq!(plain("Star Wars: Episode IV - A New Hope").len(), 8);
        assert!(plain(" -- ").is_empty());
        assert!(plain("").is_empty());
    }

    #[test]
    fn numerals_and_number_words() {
        assert_eq!(number_value("ii"), Some(2));
        assert_eq!(number_value("iv"), Some(4));
        assert_eq!(number_value("xiv"), Some(14));
        assert_eq!(number_value("xxxix"), Some(39));
        assert_eq!(number_value("eleven"), Some(11));
        assert_eq!(number_value("iiii"), None);
        assert_eq!(number_value("vx"), None);
        assert_eq!(number_value("i"), None);
        assert_eq!(number_value("x"), None);
        assert_eq!(number_value("mix"), None);
        assert_eq!(number_value("civil"), None);
        assert_eq!(plain("Rocky II"), ["rocky", "ii", "2"]);
    }

    #[test]
    fn articles() {
        assert!(is_article("the") && is_article("les") && !is_article("matrix"));
    }
}
