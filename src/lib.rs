//! opspod: the operations engineer of a product pod, as a chat bot.

pub mod domain;
