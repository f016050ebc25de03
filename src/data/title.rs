//! MovieLens titles: "Shawshank Redemption, The (1994)" → "The Shawshank Redemption", 1994;
//! "City of Lost Children, The (Cité des enfants perdus, La) (1995)" keeps
//! "La Cité des enfants perdus" as an alternative title for search.

/// Articles MovieLens moves to the end of a title ("Matrix, The").
/// Elided articles (L', Gli' …) join the next word without a space.
const ARTICLES: &[&str] = &[
    "The", "A", "An", "Les", "La", "Le", "L'", "Il", "I", "Lo", "Gli", "Das", "Der", "Die", "Den",
    "Det", "De", "Het", "El", "Los", "Las", "Un", "Une", "Una", "Uno", "Ein", "Eine", "Os", "As",
    "O",
];

/// A title split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTitle {
    pub title: String,
    pub alt_titles: Vec<String>,
    pub year: Option<u16>,
}

/// Parses a raw MovieLens title.
pub fn parse_title(raw: &str) -> ParsedTitle {
    let mut rest = raw.trim();
    let mut year = None;
    if let Some((before, inner)) = trailing_group(rest) {
        if let Some(y) = parse_year(inner) {
            year = Some(y);
            rest = before;
        }
    }
    // Remaining trailing groups are alternative titles: "Seven (a.k.a. Se7en)".
    let mut alt_titles = Vec::new();
    while let Some((before, inner)) = trailing_group(rest) {
        if before.is_empty() {
            break; // the whole title is in parentheses: keep it
        }
        let inner = inner.trim();
        let inner = inner
            .strip_prefix("a.k.a. ")
            .or_else(|| inner.strip_prefix("aka "))
            .unwrap_or(inner);
        if !inner.is_empty() {
            alt_titles.push(move_article_front(inner.trim()));
        }
        rest = before;
    }
    alt_titles.reverse();
    ParsedTitle {
        title: move_article_front(rest),
        alt_titles,
        year,
    }
}

/// "Shawshank Redemption, The" → "The Shawshank Redemption"; "Avventura, L'" → "L'Avventura".
pub fn move_article_front(title: &str) -> String {
    let title = title.trim();
    if let Some(comma) = title.rfind(", ") {
        let article = &title[comma + 2..];
        if ARTICLES.contains(&article) {
            let head = &title[..comma];
            return if article.ends_with('\'') {
                format!("{article}{head}")
            } else {
                format!("{article} {head}")
            };
        }
    }
    title.to_string()
}

/// Splits "X (Y)" into ("X", "Y") when the string ends with a balanced group.
fn trailing_group(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_end();
    if !s.ends_with(')') {
        return None;
    }
    let mut depth = 0usize;
    for (pos, ch) in s.char_indices().rev() {
        match ch {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return Some((s[..pos].trim_end(), &s[pos + 1..s.len() - 1]));
                }
            }
            _ => {}
        }
    }
    None
}

/// "1995", "2006-2007", "2007–" → the first year; anything else → None.
fn parse_year(inner: &str) -> Option<u16> {
    let inner = inner.trim();
    let digits: String = inner.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    let tail = &inner[4..];
    let tail_ok = tail.is_empty()
        || tail
            .trim_start_matches(['-', '–'])
            .chars()
            .all(|c| c.is_ascii_digit());
    if !tail_ok {
        return None;
    }
    digits.parse().ok().filter(|y| (1800..=2200).contains(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> (String, Vec<String>, Option<u16>) {
        let t = parse_title(raw);
        (t.title, t.alt_titles, t.year)
    }

    #[test]
    fn plain_and_article_titles() {
        assert_eq!(
            p("Toy Story (1995)"),
            ("Toy Story".into(), vec![], Some(1995))
        );
        assert_eq!(
            p("Shawshank Redemption, The (1994)"),
            ("The Shawshank Redemption".into(), vec![], Some(1994))
        );
        assert_eq!(
            p("Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)"),
            (
                "The Good, the Bad and the Ugly".into(),
                vec!["Il Buono, il brutto, il cattivo".into()],
                Some(1966)
            )
        );
        assert_eq!(p("Christmas Story, A (1983)").0, "A Christmas Story");
        assert_eq!(p("Avventura, L' (Adventure, The) (1960)").0, "L'Avventura");
        assert_eq!(
            p("Avventura, L' (Adventure, The) (1960)").1,
            vec!["The Adventure"]
        );
        assert_eq!(p("Boot, Das (Boat, The) (1981)").0, "Das Boot");
        assert_eq!(p("Misérables, Les (1995)").0, "Les Misérables");
        assert_eq!(
            p("Secreto de sus ojos, El (2009)").0,
            "El Secreto de sus ojos"
        );
    }

    #[test]
    fn alternative_titles_and_odd_years() {
        assert_eq!(
            p("Seven (a.k.a. Se7en) (1995)"),
            ("Seven".into(), vec!["Se7en".into()], Some(1995))
        );
        assert_eq!(
            p("City of Lost Children, The (Cité des enfants perdus, La) (1995)"),
            (
                "The City of Lost Children".into(),
                vec!["La Cité des enfants perdus".into()],
                Some(1995)
            )
        );
        assert_eq!(p("Fawlty Towers (1975-1979)").2, Some(1975));
        assert_eq!(
            p("Stranger Things"),
            ("Stranger Things".into(), vec![], None)
        );
        assert_eq!(p("Babylon 5 (1994) ").2, Some(1994));
        assert_eq!(p("(500) Days of Summer (2009)").0, "(500) Days of Summer");
        assert_eq!(p("(1995)"), (String::new(), vec![], Some(1995)));
        assert_eq!(p("Nineteen Eighty-Four (1984 film)").1, vec!["1984 film"]);
    }
}
