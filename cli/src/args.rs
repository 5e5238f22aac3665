//! A small argument parser: one command word, positional arguments, `--name value`, `--name=value`,
//! `-o value` and boolean switches. Each command declares which options it takes, so a typo is an
//! error that names the options the command does know.
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::str::FromStr;

/// What a command accepts.
pub struct Spec {
    /// Options that take a value (without the leading `--`).
    pub values: &'static [&'static str],
    /// Options that take no value.
    pub switches: &'static [&'static str],
    /// Most positional arguments.
    pub max_positional: usize,
}

/// Parsed arguments of one command.
#[derive(Debug, Default)]
pub struct Args {
    /// Positional arguments, in order.
    pub positional: Vec<String>,
    values: BTreeMap<String, String>,
    switches: Vec<String>,
}

impl Args {
    /// Parses `argv` (the words after the command) against `spec`.
    pub fn parse(command: &str, argv: &[String], spec: &Spec) -> Result<Args> {
        let mut a = Args::default();
        let mut it = argv.iter();
        let known = || {
            let mut v: Vec<String> = spec.values.iter().map(|n| format!("--{n} <value>")).collect();
            v.extend(spec.switches.iter().map(|n| format!("--{n}")));
            v.join(", ")
        };
        while let Some(word) = it.next() {
            let (name, inline) = match word.as_str() {
                "-o" => ("out".to_string(), None),
                w if w.starts_with("--") => match w[2..].split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (w[2..].to_string(), None),
                },
                w if w.starts_with('-') && w.len() > 1 && w.parse::<f64>().is_err() => bail!("unknown option '{w}' for '{command}' (it takes: {})", known()),
                w => {
                    if a.positional.len() >= spec.max_positional {
                        bail!("unexpected argument '{w}' for '{command}'");
                    }
                    a.positional.push(w.to_string());
                    continue;
                }
            };
            if spec.switches.contains(&name.as_str()) {
                if inline.is_some() {
                    bail!("--{name} takes no value");
                }
                a.switches.push(name);
            } else if spec.values.contains(&name.as_str()) {
                let v = match inline {
                    Some(v) => v,
                    None => it.next().cloned().with_context(|| format!("--{name} needs a value"))?,
                };
                if a.values.insert(name.clone(), v).is_some() {
                    bail!("--{name} is given twice");
                }
            } else {
                bail!("unknown option '--{name}' for '{command}' (it takes: {})", known());
            }
        }
        Ok(a)
    }

    /// The value of `--name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of `--name` parsed as `T`, if given; a value that does not parse is an error naming
    /// the option.
    pub fn parsed<T: FromStr>(&self, name: &str, what: &str) -> Result<Option<T>> {
        match self.value(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| anyhow::anyhow!("--{name} expects {what}, got '{v}'")),
        }
    }

    /// Whether the switch `--name` was given.
    pub fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}
