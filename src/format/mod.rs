//! Untrusted bytes are validated here: safetensors model packages (and later share links).
