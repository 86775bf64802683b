//! The stage's config table, parsed and checked key by key.

use finloom_plugin_kit::Bpe;
use serde::Deserialize;

/// The stage's config table (`[stage.config]` in pipeline.toml); `{}` means all defaults.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Upper bound on every chunk's `token_count`.
    pub max_tokens: usize,
    /// Text chunks smaller than this are merged into a neighbour when one has room.
    pub min_tokens: usize,
    /// `cl100k_base` or `o200k_base`.
    pub tokenizer: String,
    /// Size chunks so that `context_prefix + "\n\n" + text` fits `max_tokens`, and report that
    /// count as `token_count`.
    pub count_prefix_tokens: bool,
    /// Accepted only to give a clear error: version 2 does not overlap chunks.
    #[doc(hidden)]
    pub overlap_tokens: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_tokens: 512,
            min_tokens: 64,
            tokenizer: "cl100k_base".to_string(),
            count_prefix_tokens: false,
            overlap_tokens: None,
        }
    }
}

impl Config {
    /// Parses and validates the config JSON (blank means defaults).
    /// Errors name the key first (`` `max_tokens`: … ``), as the host's plan-time check wants.
    pub fn parse(json: &str) -> Result<Config, String> {
        let cfg: Config = finloom_plugin_kit::config::parse(json)?;
        if cfg.overlap_tokens.is_some() {
            return Err(
                "`overlap_tokens`: version 2 cuts along the document structure and \
                        does not overlap chunks; remove it"
                    .to_string(),
            );
        }
        if cfg.max_tokens < 32 {
            return Err(format!(
                "`max_tokens`: must be at least 32, got {}",
                cfg.max_tokens
            ));
        }
        if cfg.min_tokens > cfg.max_tokens {
            return Err(format!(
                "`min_tokens`: {} must not exceed max_tokens ({})",
                cfg.min_tokens, cfg.max_tokens
            ));
        }
        Bpe::check_name(&cfg.tokenizer).map_err(|e| format!("`tokenizer`: {e}"))?;
        Ok(cfg)
    }
}
