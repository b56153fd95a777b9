//! Nothing from the wire may panic the engine: mangled requests get an answer or silence, and the
//! connection keeps working (a panic in wasm would end the user's engine).

use serde_json::json;

use crate::support::{Client, engine};

/// A small deterministic generator, so a failure reproduces.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

const SEEDS: &[&str] = &[
    r#"{"id":1,"method":"thread/start","params":{"model":"m","threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8"}}"#,
    r#"{"id":2,"method":"turn/start","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","input":[{"type":"text","text":"hé😀","text_elements":[]}],"turnId":"0190b3a2-0000-7000-8000-000000000001"}}"#,
    r#"{"id":"s","method":"thread/read","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","includeTurns":true}}"#,
    r#"{"id":3,"method":"thread/loaded/list","params":{"cursor":"18446744073709551616","limit":4294967295}}"#,
    r#"{"id":4,"method":"turn/start","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","input":[{"type":"image","url":"http://x"}]}}"#,
    r#"{"id":5,"method":"thread/list","params":{"cursor":"2024-02-29T23:59:59Z|x","limit":4294967295,"sortKey":"recency_at","cwd":["/"],"searchTerm":"hé😀"}}"#,
    r#"{"id":6,"method":"thread/turns/list","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","cursor":"{\"turnId\":\"x\",\"includeAnchor\":true}","limit":0,"itemsView":"full"}}"#,
    r#"{"id":7,"method":"model/list","params":{"cursor":"18446744073709551615","limit":4294967295,"includeHidden":true}}"#,
    r#"{"id":8,"method":"thread/queue/add","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","turnStartParams":{"threadId":"67E55044-10B1-426F-9247-BB680E5FE0C8","input":[{"type":"text","text":"q","text_elements":[]}],"turnId":"0190b3a2-0000-7000-8000-000000000002"}}}"#,
    r#"{"id":9,"method":"thread/queue/list","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","cursor":"4294967295","limit":4294967295}}"#,
    r#"{"id":10,"method":"thread/queue/reorder","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","queuedTurnIds":["a","a"]}}"#,
    r#"{"id":11,"method":"thread/queue/update","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","queuedTurnId":"a","turnStartParams":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","input":[]}}}"#,
    r#"{"id":12,"method":"thread/queue/start","params":{"threadId":"67e55044-10b1-426f-9247-bb680e5fe0c8","queuedTurnId":null}}"#,
];

#[test]
fn mangled_messages_never_stop_the_connection() {
    let engine = engine(None, None);
    let client = Client::initialized(&engine);
    let mut rng = Lcg(0x5eed);
    for round in 0..400 {
        let seed = SEEDS[round % SEEDS.len()].as_bytes();
        let mut bytes = seed.to_vec();
        for _ in 0..=(rng.next() % 4) {
            if bytes.is_empty() {
                bytes.push(b'{');
            }
            let at = (rng.next() as usize) % bytes.len().max(1);
            match rng.next() % 4 {
                0 => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, (rng.next() % 256) as u8),
                2 => bytes.truncate(at),
                _ => bytes[at] = b"{}[]\":,0-9enulltrue\\"[(rng.next() % 20) as usize],
            }
        }
        client.connection.send(String::from_utf8_lossy(&bytes).into_owned()).expect("connection open");
    }
    // Drain whatever the mangled requests produced, then prove the engine still answers.
    client.send(json!({"id": "probe", "method": "thread/loaded/list", "params": {}}));
    loop {
        let message = client.next();
        if message["id"] == "probe" {
            assert!(message["result"]["data"].is_array());
            break;
        }
    }
}
