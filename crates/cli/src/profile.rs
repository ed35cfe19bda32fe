//! Reading `~/.aws/config` role profiles (`role_arn`, `source_profile`, `external_id`,
//! `mfa_serial`, `duration_seconds`, `role_session_name`).

use std::{collections::HashMap, path::PathBuf};

/// The settings of one profile.
pub type Section = HashMap<String, String>;

/// The config file the AWS SDKs read: `AWS_CONFIG_FILE` or `~/.aws/config`.
pub fn config_path() -> Option<PathBuf> {
    std::env::var_os("AWS_CONFIG_FILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".aws").join("config")))
}

/// Parses an AWS config file into sections named as profiles (`[profile x]` → `x`,
/// `[default]` → `default`). Other section kinds (`[sso-session …]`, `[services …]`) are
/// kept under their full header.
pub fn parse(text: &str) -> HashMap<String, Section> {
    let mut out: HashMap<String, Section> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let h = h.trim();
            let name = h.strip_prefix("profile ").map_or(h, str::trim).to_owned();
            out.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        if let (Some(section), Some((k, v))) = (&current, line.split_once('=')) {
            if line.starts_with(char::is_whitespace) {
                continue;
            }
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    out
}

/// One profile of the config file, if the file and the profile exist.
pub fn load(name: &str) -> Option<Section> {
    let text = std::fs::read_to_string(config_path()?).ok()?;
    parse(&text).remove(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_and_default() {
        let p = parse(
            "[default]\nregion = eu-west-1\n\n[profile one]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile=dev\n# c\n[services x]\nsts =\n  endpoint_url = http://h\n",
        );
        assert_eq!(p["default"]["region"], "eu-west-1");
        assert_eq!(p["one"]["role_arn"], "arn:aws:iam::1:role/R");
        assert_eq!(p["one"]["source_profile"], "dev");
        assert!(p.contains_key("services x"));
    }
}
