//! Thread and turn ids: parsed once, canonical lowercase hyphenated form (PROTOCOL.md §5).
