//! Incremental SSE decoder: bytes in any chunking become whole events. Owns no I/O.
//!
//! Lines end in `\n`, `\r\n` or `\r`, and a chunk may end between `\r` and `\n` or inside a
//! UTF-8 character, so bytes are kept until a whole line is in; only then is it decoded.

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, if any.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Decoder state between chunks.
#[derive(Debug, Default)]
pub struct SseDecoder {
    pending: Vec<u8>,
    /// The previous chunk ended in `\r`; a `\n` starting the next one belongs to that line end.
    skip_line_feed: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one chunk and returns the events it completed, in order.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        let mut bytes = chunk;
        if self.skip_line_feed && !bytes.is_empty() {
            self.skip_line_feed = false;
            if let Some((b'\n', rest)) = bytes.split_first() {
                bytes = rest;
            }
        }
        while let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (line, rest) = bytes.split_at(end);
            let (terminator, mut rest) = match rest.split_first() {
                Some((&terminator, rest)) => (terminator, rest),
                None => break,
            };
            if terminator == b'\r' {
                match rest.split_first() {
                    Some((b'\n', after)) => rest = after,
                    Some(_) => {}
                    None => self.skip_line_feed = true,
                }
            }
            if self.pending.is_empty() {
                self.line(line, &mut events);
            } else {
                let mut whole = std::mem::take(&mut self.pending);
                whole.extend_from_slice(line);
                self.line(&whole, &mut events);
            }
            bytes = rest;
        }
        self.pending.extend_from_slice(bytes);
        events
    }

    fn line(&mut self, line: &[u8], events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            let event = self.event.take();
            if std::mem::take(&mut self.has_data) {
                events.push(SseEvent { event, data: std::mem::take(&mut self.data) });
            }
            return;
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            return; // a comment, e.g. a keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {} // `id`, `retry` and unknown fields do not matter to the Responses stream
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "event: response.created\ndata: {\"type\":\"response.created\"}\n\n: keep-alive\r\nevent: response.output_text.delta\r\ndata: {\"delta\":\"h\u{e9}llo \u{1f600}\"}\r\n\r\ndata: line one\ndata: line two\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            SseEvent { event: Some("response.created".into()), data: "{\"type\":\"response.created\"}".into() },
            SseEvent {
                event: Some("response.output_text.delta".into()),
                data: "{\"delta\":\"h\u{e9}llo \u{1f600}\"}".into(),
            },
            SseEvent { event: None, data: "line one\nline two".into() },
        ]
    }

    #[test]
    fn sse_decoder_reads_a_whole_stream_in_one_chunk() {
        assert_eq!(SseDecoder::new().push(STREAM.as_bytes()), expected());
    }

    #[test]
    fn sse_decoder_joins_events_split_at_every_possible_byte() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let mut decoder = SseDecoder::new();
            let mut events = decoder.push(&bytes[..cut]);
            events.extend(decoder.push(&bytes[cut..]));
            assert_eq!(events, expected(), "cut at {cut}");
        }
    }

    #[test]
    fn sse_decoder_survives_one_byte_chunks_and_lone_carriage_returns() {
        let stream = "data: a\r\rdata: b\r\n\r\n";
        let mut decoder = SseDecoder::new();
        let events: Vec<SseEvent> = stream.as_bytes().iter().flat_map(|b| decoder.push(&[*b])).collect();
        assert_eq!(
            events,
            vec![SseEvent { event: None, data: "a".into() }, SseEvent { event: None, data: "b".into() }]
        );
    }

    #[test]
    fn sse_decoder_turns_invalid_utf8_into_replacement_characters() {
        let events = SseDecoder::new().push(b"data: \xff\xfe\n\n");
        assert_eq!(events, vec![SseEvent { event: None, data: "\u{fffd}\u{fffd}".into() }]);
    }
}
