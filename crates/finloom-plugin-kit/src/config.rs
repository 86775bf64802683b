//! A stage's `[stage.config]` table, parsed once and checked key by key.
//!
//! The host calls a plugin's `check_config` when it plans the pipeline, before any filing is
//! read, and points the user at the line of the key an error names. [`parse`] gives errors in
//! the form the host reads: `` `key`: what is wrong ``. Use it with a config struct marked
//! `#[serde(default, deny_unknown_fields)]`, so that a misspelled key is an error rather than
//! a silently ignored setting.

use serde::de::DeserializeOwned;

/// Parses the stage's config JSON into `T` (blank or `{}`: `T::default()`).
///
/// On an error, the key at fault is named first: each key is tried alone, and the first one
/// that fails on its own is the one reported (an unknown key, or a value of the wrong type).
pub fn parse<T: DeserializeOwned + Default>(json: &str) -> Result<T, String> {
    if json.trim().is_empty() {
        return Ok(T::default());
    }
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not a config table: {e}"))?;
    let Some(map) = value.as_object() else {
        return Err("the config must be a table of keys".into());
    };
    match serde_json::from_value::<T>(value.clone()) {
        Ok(t) => Ok(t),
        Err(all) => {
            for (k, v) in map {
                let mut one = serde_json::Map::new();
                one.insert(k.clone(), v.clone());
                if let Err(e) = serde_json::from_value::<T>(serde_json::Value::Object(one)) {
                    return Err(format!("`{k}`: {e}"));
                }
            }
            Err(all.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default, Debug, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct C {
        max_tokens: usize,
        name: String,
    }

    #[test]
    fn blank_is_default_and_keys_are_read() {
        assert_eq!(parse::<C>("").unwrap(), C::default());
        assert_eq!(parse::<C>("{}").unwrap(), C::default());
        let c: C = parse(r#"{"max_tokens": 7, "name": "x"}"#).unwrap();
        assert_eq!((c.max_tokens, c.name.as_str()), (7, "x"));
    }

    #[test]
    fn the_key_at_fault_is_named_first() {
        let e = parse::<C>(r#"{"max_tokens": 7, "max_tokns": 8}"#).unwrap_err();
        assert!(e.starts_with("`max_tokns`: unknown field"), "{e}");
        assert!(e.contains("max_tokens"), "expected keys are listed: {e}");
        let e = parse::<C>(r#"{"max_tokens": "many"}"#).unwrap_err();
        assert!(e.starts_with("`max_tokens`: invalid type"), "{e}");
        assert!(parse::<C>("[1]").unwrap_err().contains("table"));
    }
}
