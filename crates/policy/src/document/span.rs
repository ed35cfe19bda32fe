//! Where each statement sits in the document text, as the policy simulator reports it
//! (`MatchedStatements[].StartPosition` / `EndPosition`: line and column, both 1-based, of a
//! statement's opening and closing brace).
//!
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_Statement.html>

/// A line and column in a document, both counted from 1 (columns in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

/// The start and end of each statement of `text`, in document order. `text` is a document
/// [`parse`](super::parse) accepted; on anything else the result is simply shorter.
pub fn statement_spans(text: &str) -> Vec<(Position, Position)> {
    let mut spans = Vec::new();
    let mut pos = Position { line: 1, column: 0 };
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string = String::new();
    let mut last_string = String::new();
    // The depth of the `Statement` array, while inside it.
    let mut array_depth: Option<usize> = None;
    // The `Statement` key was just read at the top level.
    let mut after_statement_key = false;
    // Where the statement being read started, and its depth.
    let mut open: Option<(Position, usize)> = None;
    for c in text.chars() {
        if c == '\n' {
            pos.line += 1;
            pos.column = 0;
        } else {
            pos.column += 1;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    in_string = false;
                    last_string = std::mem::take(&mut string);
                }
                c if depth == 1 => string.push(c),
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                string.clear();
            }
            ':' if depth == 1 => after_statement_key = last_string == "Statement",
            ',' if depth == 1 => after_statement_key = false,
            '[' => {
                depth += 1;
                if after_statement_key && depth == 2 {
                    array_depth = Some(depth);
                    after_statement_key = false;
                }
            }
            '{' => {
                depth += 1;
                let single = after_statement_key && depth == 2;
                let in_array = array_depth.is_some_and(|d| depth == d + 1);
                if single || in_array {
                    open = Some((pos, depth));
                    after_statement_key = false;
                }
            }
            '}' => {
                if let Some((start, d)) = open
                    && d == depth
                {
                    spans.push((start, pos));
                    open = None;
                }
                depth = depth.saturating_sub(1);
            }
            ']' => {
                if array_depth == Some(depth) {
                    array_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, column: u32) -> Position {
        Position { line, column }
    }

    #[test]
    fn statements_in_an_array() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\", \"Sid\": \"a}\\\"{\"},\n    {\n      \"Effect\": \"Deny\",\n      \"Action\": \"s3:Delete*\",\n      \"Resource\": \"*\",\n      \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}\n    }\n  ]\n}";
        assert_eq!(
            statement_spans(text),
            vec![(p(4, 5), p(4, 74)), (p(5, 5), p(10, 5))]
        );
    }

    #[test]
    fn a_single_statement_object() {
        let text = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Version":"2012-10-17"}"#;
        assert_eq!(statement_spans(text), vec![(p(1, 14), p(1, 59))]);
    }

    #[test]
    fn a_key_named_statement_elsewhere_is_not_a_statement() {
        let text = r#"{"Version":"2012-10-17","Id":"Statement","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"x:Statement":["{"]}}}]}"#;
        assert_eq!(statement_spans(text).len(), 1);
    }
}
