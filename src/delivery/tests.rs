//! The scheduler on a paused tokio clock: what goes when, and what becomes of what Telegram
//! answers. No HTTP here; `tests/it/crowds.rs` drives the same code through the fake Bot API.

use std::time::Duration;

use tokio::time::{advance, Instant};

use super::job::{Class, Delivered, Job, Request, Undelivered};
use super::pace::Pace;
use super::queues::{Answer, Queued, Queues, Settled, CHAT_CAP};
use crate::config::Pacing;

fn message(text: &str) -> Request {
    Request::Message {
        text: text.into(),
        html: true,
        keyboard: None,
    }
}

fn edit(message_id: i32, text: &str) -> Request {
    Request::Edit {
        message_id,
        text: text.into(),
        html: true,
        keyboard: None,
    }
}

fn job(chat: i64, class: Class, request: Request) -> Job {
    Job::new(chat, class, request)
}

fn paced() -> Queues {
    Queues::new(Some(Pace::new(Pacing::default())))
}

fn text_of(q: &Queued) -> &str {
    match &q.job.request {
        Request::Message { text, .. } | Request::Edit { text, .. } => text,
        Request::Document { caption, .. } | Request::Photo { caption, .. } => caption,
    }
}

fn sent_now(q: &mut Queues, room: usize) -> Vec<Queued> {
    q.dispatch(Instant::now(), room)
}

fn outcomes(settled: &Settled) -> Vec<(i64, Result<Delivered, Undelivered>)> {
    settled.iter().map(|(j, o)| (j.chat, o.clone())).collect()
}

#[tokio::test(start_paused = true)]
async fn each_overall_slot_goes_to_the_highest_class_waiting() {
    let mut q = paced();
    let now = Instant::now();
    q.submit(job(3, Class::Outbox, message("reminder")), now);
    q.submit(job(2, Class::Task, message("export ready")), now);
    q.submit(job(1, Class::Reply, message("your screen")), now);
    let mut order = Vec::new();
    for _ in 0..3 {
        let batch = sent_now(&mut q, 10);
        assert_eq!(batch.len(), 1, "one new message per overall cell");
        order.push(batch[0].job.chat);
        advance(Duration::from_millis(40)).await;
    }
    assert_eq!(order, [1, 2, 3]);
}

#[tokio::test(start_paused = true)]
async fn a_reply_waits_for_at_most_the_one_outbox_send_already_on_its_way() {
    let mut q = paced();
    for chat in 100..110 {
        q.submit(
            job(chat, Class::Outbox, message("announcement")),
            Instant::now(),
        );
    }
    let first = sent_now(&mut q, 10);
    assert_eq!(first[0].job.class, Class::Outbox);
    q.submit(job(1, Class::Reply, message("screen")), Instant::now());
    let wake = q.next_wake().expect("the budget frees up");
    tokio::time::sleep_until(wake).await;
    let next = sent_now(&mut q, 10);
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].job.chat, 1,
        "the reply goes before the nine reminders"
    );
    assert!(Instant::now() - wake < Duration::from_millis(1));
}

#[tokio::test(start_paused = true)]
async fn a_chat_sends_one_at_a_time_and_one_a_second_after_a_burst_of_two() {
    let mut q = paced();
    let start = Instant::now();
    for text in ["one", "two", "three"] {
        q.submit(job(1, Class::Reply, message(text)), Instant::now());
    }
    let first = sent_now(&mut q, 10);
    assert_eq!(first.len(), 1);
    advance(Duration::from_millis(100)).await;
    assert!(sent_now(&mut q, 10).is_empty(), "still on its way");
    let first = first.into_iter().next().unwrap();
    q.complete(first, Answer::Sent(Some(1)), Instant::now());
    let second = sent_now(&mut q, 10).into_iter().next().expect("the burst");
    assert_eq!(text_of(&second), "two");
    q.complete(second, Answer::Sent(Some(2)), Instant::now());
    assert!(sent_now(&mut q, 10).is_empty(), "then one a second");
    let wake = q.next_wake().unwrap();
    assert_eq!(wake - start, Duration::from_secs(1));
    tokio::time::sleep_until(wake).await;
    assert_eq!(text_of(&sent_now(&mut q, 10)[0]), "three");
}

#[tokio::test(start_paused = true)]
async fn edits_never_wait_for_the_overall_budget() {
    let mut q = paced();
    // A crowd's first screens use up the overall budget...
    for chat in 100..200 {
        q.submit(job(chat, Class::Reply, message("welcome")), Instant::now());
    }
    assert_eq!(sent_now(&mut q, 200).len(), 1);
    // ...while members already in the flow tap through their screens: all go now.
    for chat in 1..=40 {
        q.submit(
            job(chat, Class::Reply, edit(5, "next card")),
            Instant::now(),
        );
    }
    assert_eq!(sent_now(&mut q, 200).len(), 40);
}

#[tokio::test(start_paused = true)]
async fn a_flooding_chat_holds_at_most_its_cap_and_delays_only_itself() {
    let mut q = paced();
    let mut dropped = 0;
    for i in 0..200 {
        // Plain texts (not screens) so that nothing is replaced: the cap alone bounds them.
        let settled = q.submit(
            job(1, Class::Reply, message(&format!("reply {i}"))),
            Instant::now(),
        );
        dropped += settled
            .iter()
            .filter(|(_, o)| *o == Err(Undelivered::Dropped))
            .count();
    }
    assert_eq!(q.waiting_in(1), CHAT_CAP);
    assert_eq!(dropped, 200 - CHAT_CAP);
    assert_eq!(sent_now(&mut q, 10).len(), 1);
    assert_eq!(q.dropped(), dropped as u64);
    advance(Duration::from_millis(40)).await;
    q.submit(job(2, Class::Reply, message("hello")), Instant::now());
    let other = sent_now(&mut q, 10);
    assert_eq!(other.len(), 1);
    assert_eq!(
        other[0].job.chat, 2,
        "the other member is not behind the flood"
    );
}

#[tokio::test(start_paused = true)]
async fn a_newer_screen_replaces_an_unsent_one_and_edits_of_a_message_collapse() {
    let mut q = paced();
    q.submit(job(1, Class::Reply, message("first")), Instant::now());
    let on_its_way = sent_now(&mut q, 10);
    assert_eq!(on_its_way.len(), 1);
    let screen = |text: &str| Job {
        screen: true,
        ..job(1, Class::Reply, message(text))
    };
    assert!(q.submit(screen("card 1"), Instant::now()).is_empty());
    let replaced = q.submit(screen("card 2"), Instant::now());
    assert_eq!(outcomes(&replaced), [(1, Err(Undelivered::Dropped))]);
    assert!(q
        .submit(job(1, Class::Task, edit(7, "10%")), Instant::now())
        .is_empty());
    let collapsed = q.submit(job(1, Class::Task, edit(7, "40%")), Instant::now());
    assert_eq!(outcomes(&collapsed), [(1, Ok(Delivered::Unchanged))]);
    assert_eq!(q.waiting_in(1), 2, "one screen and one edit wait");

    let on_its_way = on_its_way.into_iter().next().unwrap();
    q.complete(on_its_way, Answer::Sent(Some(1)), Instant::now());
    let mut texts = Vec::new();
    for _ in 0..2 {
        // As the worker does: send what may go, else sleep until something may.
        let mut batch = sent_now(&mut q, 10);
        while batch.is_empty() {
            tokio::time::sleep_until(q.next_wake().unwrap()).await;
            batch = sent_now(&mut q, 10);
        }
        texts.push(text_of(&batch[0]).to_string());
        let done = batch.into_iter().next().unwrap();
        q.complete(done, Answer::Sent(None), Instant::now());
    }
    assert_eq!(texts, ["card 2", "40%"]);
}

#[tokio::test(start_paused = true)]
async fn an_edit_to_what_the_message_already_shows_is_not_sent() {
    let mut q = Queues::new(None);
    q.submit(job(1, Class::Reply, edit(5, "card P1.2")), Instant::now());
    let sent = sent_now(&mut q, 10).into_iter().next().unwrap();
    q.complete(sent, Answer::Sent(None), Instant::now());
    // A double tap renders the same screen again.
    let settled = q.submit(job(1, Class::Reply, edit(5, "card P1.2")), Instant::now());
    assert_eq!(outcomes(&settled), [(1, Ok(Delivered::Unchanged))]);
    assert!(sent_now(&mut q, 10).is_empty());
    // Something else is sent.
    assert!(q
        .submit(job(1, Class::Reply, edit(5, "card P1.3")), Instant::now())
        .is_empty());
    assert_eq!(sent_now(&mut q, 10).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_429_on_a_busy_chat_pauses_that_chat_for_exactly_retry_after() {
    let mut q = Queues::new(None);
    q.submit(job(1, Class::Reply, message("one")), Instant::now());
    let one = sent_now(&mut q, 10).into_iter().next().unwrap();
    q.complete(one, Answer::Sent(Some(1)), Instant::now());
    q.submit(job(1, Class::Reply, message("two")), Instant::now());
    let two = sent_now(&mut q, 10).into_iter().next().unwrap();
    let t429 = Instant::now();
    q.complete(two, Answer::RetryAfter(Duration::from_secs(3)), t429);
    q.submit(job(2, Class::Reply, message("other chat")), Instant::now());
    let other = sent_now(&mut q, 10);
    assert_eq!(other.len(), 1, "only the chat over its limit waits");
    assert_eq!(other[0].job.chat, 2);
    assert_eq!(q.next_wake(), Some(t429 + Duration::from_secs(3)));
    advance(Duration::from_millis(2999)).await;
    assert!(sent_now(&mut q, 10).is_empty());
    advance(Duration::from_millis(1)).await;
    let again = sent_now(&mut q, 10);
    assert_eq!(text_of(&again[0]), "two", "the same message, once more");
}

#[tokio::test(start_paused = true)]
async fn a_429_a_chat_cannot_have_earned_pauses_every_chat() {
    let mut q = Queues::new(None);
    q.submit(job(1, Class::Reply, message("first ever")), Instant::now());
    let one = sent_now(&mut q, 10).into_iter().next().unwrap();
    let t429 = Instant::now();
    q.complete(one, Answer::RetryAfter(Duration::from_secs(2)), t429);
    q.submit(job(2, Class::Reply, edit(3, "other chat")), Instant::now());
    assert!(
        sent_now(&mut q, 10).is_empty(),
        "Telegram meant the whole bot"
    );
    advance(Duration::from_secs(2)).await;
    assert_eq!(sent_now(&mut q, 10).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_403_gives_up_the_chat_and_says_so_for_each_request() {
    let mut q = Queues::new(None);
    q.submit(job(1, Class::Reply, message("a")), Instant::now());
    let a = sent_now(&mut q, 10).into_iter().next().unwrap();
    q.submit(job(1, Class::Reply, message("b")), Instant::now());
    q.submit(job(1, Class::Task, message("c")), Instant::now());
    let settled = q.complete(a, Answer::Blocked, Instant::now());
    assert_eq!(
        outcomes(&settled),
        [
            (1, Err(Undelivered::Blocked)),
            (1, Err(Undelivered::Blocked)),
            (1, Err(Undelivered::Blocked))
        ]
    );
    assert!(q.is_idle());
}

#[tokio::test(start_paused = true)]
async fn an_edit_of_a_vanished_message_becomes_a_new_message() {
    let mut q = Queues::new(None);
    q.submit(job(1, Class::Reply, edit(9, "card")), Instant::now());
    let e = sent_now(&mut q, 10).into_iter().next().unwrap();
    assert!(q.complete(e, Answer::CannotEdit, Instant::now()).is_empty());
    let again = sent_now(&mut q, 10);
    assert!(matches!(again[0].job.request, Request::Message { .. }));
}

#[tokio::test(start_paused = true)]
async fn network_faults_are_retried_with_back_off_but_accounted_sends_are_reported() {
    let mut q = Queues::new(None);
    q.submit(job(1, Class::Reply, message("hello")), Instant::now());
    let m = sent_now(&mut q, 10).into_iter().next().unwrap();
    assert!(q
        .complete(m, Answer::Network("reset".into()), Instant::now())
        .is_empty());
    assert!(sent_now(&mut q, 10).is_empty());
    advance(Duration::from_secs(2)).await;
    assert_eq!(
        sent_now(&mut q, 10).len(),
        1,
        "tried again after the back-off"
    );

    let accounted = Job {
        gate: Some(Box::new(|| Box::pin(async { true }))),
        ..job(2, Class::Outbox, message("reminder"))
    };
    q.submit(accounted, Instant::now());
    let r = sent_now(&mut q, 10).into_iter().next().unwrap();
    let settled = q.complete(r, Answer::Network("reset".into()), Instant::now());
    assert_eq!(
        outcomes(&settled),
        [(2, Err(Undelivered::Network("reset".into())))],
        "the outbox decides about its own retries"
    );
}

#[tokio::test(start_paused = true)]
async fn quiet_chats_are_forgotten() {
    let mut q = paced();
    for chat in 1..=500 {
        q.submit(job(chat, Class::Reply, edit(1, "x")), Instant::now());
    }
    for sent in sent_now(&mut q, 1000) {
        q.complete(sent, Answer::Sent(None), Instant::now());
    }
    assert_eq!(q.chats(), 500);
    advance(Duration::from_secs(6)).await;
    q.sweep(Instant::now());
    assert_eq!(q.chats(), 0);
}
