//! Monitoring rounds: a member answers, one tap per activity, what has happened; an admin
//! opens, follows and closes rounds. Rounds have their own dates: the consultation window does
//! not stop them, and a closed round stops only itself.

use super::*;
use crate::conversation::facts::MemberRound;
use crate::conversation::monitor::{MonitorCallback, MonitorScreen, RoundDraft, ROUND_DAY_CHOICES};
use crate::conversation::needs::RoundWanted;
use crate::domain::monitoring::{RoundRequest, Status, MAX_ROUND_TITLE_CHARS};

impl Step<'_> {
    /// The round `wanted` names, as far as it is loaded (noted as needed when not): `None`
    /// until loaded, and when there is none.
    fn member_round(&mut self, wanted: RoundWanted) -> Option<MemberRound> {
        if !self.round_loaded(wanted) {
            match wanted {
                RoundWanted::Current => self.needs.open_round = true,
                RoundWanted::Id(id) => self.needs.round = Some(id),
            }
            return None;
        }
        match wanted {
            RoundWanted::Current => self.facts.open_round.clone(),
            RoundWanted::Id(_) => self.facts.round.clone(),
        }
    }

    /// Whether the round's facts for `wanted` are in this step (else it steps again).
    fn round_loaded(&self, wanted: RoundWanted) -> bool {
        match wanted {
            RoundWanted::Current => self.facts.loaded.open_round,
            RoundWanted::Id(id) => self.facts.loaded.round == Some(id),
        }
    }

    /// The round's activities that the active plan still has, in the round's order: a plan
    /// version that dropped one does not show a card nobody can read.
    fn asked(&self, round: &crate::domain::monitoring::Round) -> Vec<ActivityCode> {
        round
            .activities
            .iter()
            .filter(|c| self.facts.plan.activity(c).is_some())
            .cloned()
            .collect()
    }

    /// For the menu: the round open for the member, with how far they are.
    pub(super) fn menu_round(&mut self) -> Option<(String, usize, usize)> {
        let mr = self.member_round(RoundWanted::Current)?;
        let asked = self.asked(&mr.round);
        if asked.is_empty() || !mr.round.is_open(self.now) {
            return None;
        }
        let answered = asked.iter().filter(|c| mr.answered(c).is_some()).count();
        Some((mr.round.title.clone(), answered, asked.len()))
    }

    /// `/monitor` from a member, and the menu's and the message's way in: the round that
    /// reaches them, at the next activity to answer.
    pub(super) fn open_member_round(&mut self) {
        let Some(mr) = self.member_round(RoundWanted::Current) else {
            if self.round_loaded(RoundWanted::Current) {
                self.state = State::Menu;
                self.show(Screen::Monitor(MonitorScreen::NoRound));
            }
            return;
        };
        let asked = self.asked(&mr.round);
        match mr.next_unanswered(None, &asked) {
            Some(code) => self.round_card(&mr, code, None),
            None => self.round_finished(&mr, None),
        }
    }

    pub(super) fn member_monitor_callback(&mut self, cb: &MonitorCallback) {
        match cb {
            MonitorCallback::Open => self.open_member_round(),
            MonitorCallback::Card { round, code } => {
                let Some(mr) = self.named_round(*round) else {
                    return;
                };
                if !self.asked(&mr.round).contains(code) {
                    return self.round_outdated();
                }
                self.round_card(&mr, code.clone(), None)
            }
            MonitorCallback::Answer {
                round,
                code,
                status,
            } => {
                let Some(mr) = self.named_round(*round) else {
                    return;
                };
                let asked = self.asked(&mr.round);
                if !asked.contains(code) {
                    return self.round_outdated();
                }
                if let Some(since) = mr.round.closed_since(self.now) {
                    self.notice = Some(Notice::Closed);
                    self.banner = Some(Banner::RoundClosed(since));
                    return self.round_card(&mr, code.clone(), None);
                }
                if mr.answered(code) != Some(*status) {
                    self.effect(Effect::Answer {
                        round: *round,
                        code: code.clone(),
                        status: *status,
                    });
                }
                self.notice = Some(Notice::Saved);
                let mr = self.as_written(mr);
                let done = Some((code.clone(), *status));
                match mr.next_unanswered(Some(code), &asked) {
                    Some(next) => self.round_card(&mr, next, done),
                    None => self.round_finished(&mr, done),
                }
            }
            // The admins' buttons, from someone who is not one (taken earlier for admins).
            _ => {
                self.notice = Some(Notice::Outdated);
                self.show(Screen::NotAllowed);
            }
        }
    }

    /// The round a button names, when it reaches the member; else the button is refused.
    fn named_round(&mut self, id: i64) -> Option<MemberRound> {
        let mr = self.member_round(RoundWanted::Id(id));
        match mr {
            Some(mr) if mr.reaches => Some(mr),
            _ if !self.round_loaded(RoundWanted::Id(id)) => None,
            // No such round, or not theirs (a forged button, or they moved organisation).
            _ => {
                self.round_outdated();
                None
            }
        }
    }

    /// `mr` as this step's own effects leave it (`Facts::after` keeps the loaded round up to
    /// date).
    fn as_written(&self, mr: MemberRound) -> MemberRound {
        self.facts
            .round
            .clone()
            .filter(|r| r.round.id == mr.round.id)
            .unwrap_or(mr)
    }

    fn round_outdated(&mut self) {
        self.notice = Some(Notice::Outdated);
        self.state = State::Menu;
        self.menu();
    }

    fn round_card(
        &mut self,
        mr: &MemberRound,
        code: ActivityCode,
        answered: Option<(ActivityCode, Status)>,
    ) {
        let asked = self.asked(&mr.round);
        let index = asked.iter().position(|c| *c == code).unwrap_or(0) + 1;
        self.state = State::Round {
            round: mr.round.id,
            code: code.clone(),
            answered: answered.as_ref().map(|(c, _)| c.clone()),
        };
        if let Some((c, s)) = &answered {
            self.banner.get_or_insert(Banner::Answered(c.clone(), *s));
        }
        self.show(Screen::Monitor(MonitorScreen::Card {
            round: mr.round.clone(),
            answer: mr.answers.get(&code).cloned().unwrap_or_default(),
            last_time: mr.previous.get(&code).copied(),
            code,
            index,
            total: asked.len(),
            answered,
            closed_since: mr.round.closed_since(self.now),
        }));
    }

    fn round_finished(&mut self, mr: &MemberRound, answered: Option<(ActivityCode, Status)>) {
        // What they send next goes to the activity just answered, which the banner names;
        // with none named, this screen takes no words (nothing is filed where nobody said).
        self.state = match &answered {
            Some((code, _)) => State::Round {
                round: mr.round.id,
                code: code.clone(),
                answered: Some(code.clone()),
            },
            None => State::Menu,
        };
        self.show(Screen::Monitor(MonitorScreen::Finished {
            total: self.asked(&mr.round).len(),
            round: mr.round.clone(),
            answered,
        }));
    }

    /// A typed or spoken comment while a round's card is shown: on the activity answered just
    /// before (the card says so), else the card's own; kept even before its answer.
    pub(super) fn round_comment(&mut self, state: &State, comment: Comment) {
        self.placement = Placement::New;
        let State::Round {
            round,
            code,
            answered,
        } = state.clone()
        else {
            return;
        };
        let Some(mr) = self.named_round(round) else {
            return;
        };
        if let Some(since) = mr.round.closed_since(self.now) {
            self.banner = Some(Banner::RoundClosed(since));
            return self.round_card(&mr, code, None);
        }
        let target = answered.clone().unwrap_or_else(|| code.clone());
        let seen = mr
            .answers
            .get(&target)
            .map(|a| a.comment.clone())
            .unwrap_or_default();
        let comment = match comment {
            Comment::Text(text) => {
                self.banner = Some(Banner::CommentSaved(target.clone()));
                self.fitted(&target, text, seen.text.as_ref().map(|t| t.chars))
                    .map(Comment::Text)
            }
            Comment::Voice(v) => {
                self.banner = Some(if seen.voice.is_some() {
                    Banner::VoiceReplaced(target.clone())
                } else {
                    Banner::VoiceSaved(target.clone())
                });
                Some(Comment::Voice(v))
            }
        };
        if let Some(comment) = comment {
            self.effect(Effect::RoundComment {
                round,
                code: target.clone(),
                comment,
            });
        }
        let mr = self.as_written(mr);
        let asked = self.asked(&mr.round);
        // The screen stays as it was, so a second message joins the first.
        let done = answered.and_then(|c| mr.answered(&c).map(|s| (c, s)));
        if done.is_some() && mr.next_unanswered(None, &asked).is_none() {
            return self.round_finished(&mr, done);
        }
        self.round_card(&mr, code, done)
    }

    /// The card a `State::Round` stands for, shown again.
    pub(super) fn reshow_round(&mut self, round: i64, code: ActivityCode) {
        if let Some(mr) = self.named_round(round) {
            if self.asked(&mr.round).contains(&code) {
                self.round_card(&mr, code, None)
            } else {
                self.open_member_round()
            }
        }
    }

    /// Admins' `/monitor` and round buttons, and focal points' view of their own members;
    /// `false` when the input is not one of them.
    pub(super) fn monitor_admin(&mut self, input: &Input) -> bool {
        if !self.facts.is_admin {
            return self.monitor_focal(input);
        }
        match input {
            Input::Command(Command::Monitor) => self.rounds_list(),
            Input::Text(text) if matches!(self.state, State::NewRound { .. }) => {
                let State::NewRound { mut draft } = self.state.clone() else {
                    return false;
                };
                self.placement = Placement::New;
                if draft.title.is_none() {
                    let title = text.trim();
                    if (1..=MAX_ROUND_TITLE_CHARS).contains(&title.chars().count()) {
                        draft.title = Some(title.to_string());
                    } else {
                        self.banner = Some(Banner::RoundTitleInvalid);
                    }
                } else if draft.audience.is_none() {
                    match Audience::parse(text) {
                        Ok(audience) => draft.audience = self.known_audience(audience),
                        Err(_) => self.banner = Some(Banner::AnnounceAudienceInvalid),
                    }
                } else {
                    self.banner = Some(Banner::UseButtons);
                }
                self.round_draft(draft);
            }
            Input::Callback {
                data: Callback::Monitor(cb),
                ..
            } => match cb {
                MonitorCallback::List => self.rounds_list(),
                MonitorCallback::New => {
                    self.state = State::NewRound {
                        draft: RoundDraft::default(),
                    };
                    self.show(Screen::Monitor(MonitorScreen::AskTitle));
                }
                MonitorCallback::Results(id) => {
                    if self.facts.loaded.results != Some(*id) {
                        self.needs.results = Some(*id);
                        return true;
                    }
                    match self.facts.results.clone() {
                        Some((results, previous)) => {
                            self.show(Screen::Monitor(MonitorScreen::Results {
                                results,
                                previous,
                                now: self.now,
                            }))
                        }
                        None => self.notice = Some(Notice::Outdated),
                    }
                }
                MonitorCallback::Close(id) => {
                    let round = self.rounds().into_iter().find(|r| r.round.id == *id);
                    match round {
                        _ if !self.facts.loaded.rounds => {}
                        Some(r) if r.round.is_open(self.now) => {
                            self.show(Screen::Monitor(MonitorScreen::ConfirmClose {
                                round: r.round,
                            }))
                        }
                        _ => {
                            self.notice = Some(Notice::AlreadyDone);
                            self.rounds_list();
                        }
                    }
                }
                MonitorCallback::CloseConfirmed(id) => {
                    self.notice = Some(Notice::Saved);
                    self.tasks.push(Task::CloseRound(*id));
                }
                MonitorCallback::To(to) => match self.state.clone() {
                    State::NewRound { mut draft } if draft.title.is_some() => {
                        draft.audience = Some(to.map_or(Audience::All, Audience::Constituency));
                        self.round_draft(draft);
                    }
                    _ => self.notice = Some(Notice::Outdated),
                },
                MonitorCallback::Days(days) => match self.state.clone() {
                    State::NewRound { mut draft } if draft.audience.is_some() => {
                        draft.days = Some(*days);
                        self.round_draft(draft);
                    }
                    _ => self.notice = Some(Notice::Outdated),
                },
                MonitorCallback::OpenRound(shown) => match self.state.clone() {
                    State::NewRound { draft } if draft.fingerprint() != *shown => {
                        self.notice = Some(Notice::PreviewOutdated)
                    }
                    State::NewRound {
                        draft:
                            RoundDraft {
                                title: Some(title),
                                audience: Some(audience),
                                days: Some(days),
                            },
                    } => {
                        // One tap opens it; the state moves on, so a second does nothing.
                        self.state = State::Menu;
                        self.notice = Some(Notice::Creating);
                        let until = end_of_day_after(self.now, days);
                        match until {
                            Some(until) => {
                                self.show(Screen::Monitor(MonitorScreen::Opening));
                                self.tasks.push(Task::OpenRound(RoundRequest {
                                    title,
                                    activities: Vec::new(),
                                    audience,
                                    until,
                                }));
                            }
                            None => self.notice = Some(Notice::Outdated),
                        }
                    }
                    _ => self.notice = Some(Notice::AnnouncementOver),
                },
                // Members' and focal points' buttons, from an admin: handled as theirs.
                MonitorCallback::Open
                | MonitorCallback::Card { .. }
                | MonitorCallback::Answer { .. } => return false,
                MonitorCallback::Remind(_) | MonitorCallback::RemindSend(_) => {
                    return self.monitor_focal(input)
                }
            },
            _ => return false,
        }
        true
    }

    /// A focal point's `/monitor` and reminder buttons; `false` for anything else (and for
    /// someone who coordinates nothing, whose `/monitor` is a member's).
    fn monitor_focal(&mut self, input: &Input) -> bool {
        let Some(org) = self.facts.coordinates.clone() else {
            return false;
        };
        match input {
            Input::Command(Command::Monitor) => {
                let list = self.org_rounds();
                self.state = State::Menu;
                self.show(Screen::Monitor(MonitorScreen::OrgRounds {
                    org,
                    list,
                    now: self.now,
                }));
            }
            Input::Callback {
                data: Callback::Monitor(MonitorCallback::Remind(id)),
                ..
            } => {
                let found = self.org_rounds().into_iter().find(|p| p.round.id == *id);
                match found {
                    _ if !self.facts.loaded.org_rounds => {}
                    Some(p) if !p.unfinished.is_empty() => {
                        self.state = State::Confirming {
                            action: Pending::RemindRound(*id),
                        };
                        self.show(Screen::Monitor(MonitorScreen::ConfirmRemind {
                            unfinished: p.unfinished.len() as u64,
                            round: p.round,
                        }));
                    }
                    Some(_) => self.notice = Some(Notice::AlreadyDone),
                    // Closed since, or a round that does not ask their members.
                    None => self.notice = Some(Notice::Outdated),
                }
            }
            Input::Callback {
                data: Callback::Monitor(MonitorCallback::RemindSend(id)),
                ..
            } => match self.state {
                // The confirmation acts once: its first tap moves on.
                State::Confirming {
                    action: Pending::RemindRound(asked),
                } if asked == *id => {
                    self.state = State::Menu;
                    self.notice = Some(Notice::Sending);
                    self.tasks.push(Task::RemindRound { round: *id, org });
                }
                _ => self.notice = Some(Notice::AlreadyDone),
            },
            _ => return false,
        }
        true
    }

    /// The focal point's own members in the open rounds (noted as needed when not loaded).
    fn org_rounds(&mut self) -> Vec<crate::domain::monitoring::OrgRoundProgress> {
        if !self.facts.loaded.org_rounds {
            self.needs.org_rounds = true;
        }
        self.facts.org_rounds.clone().unwrap_or_default()
    }

    /// Every round with its counts (noted as needed when not loaded).
    fn rounds(&mut self) -> Vec<crate::domain::monitoring::RoundCounts> {
        if !self.facts.loaded.rounds {
            self.needs.rounds = true;
        }
        self.facts.rounds.clone().unwrap_or_default()
    }

    fn rounds_list(&mut self) {
        let list = self.rounds();
        self.state = State::Menu;
        self.show(Screen::Monitor(MonitorScreen::Rounds {
            list,
            now: self.now,
        }));
    }

    /// Asks the first question the new round has no answer for, or shows the preview.
    fn round_draft(&mut self, draft: RoundDraft) {
        let screen = match (&draft.title, &draft.audience, draft.days) {
            (None, _, _) => MonitorScreen::AskTitle,
            (Some(_), None, _) => MonitorScreen::AskAudience,
            (Some(_), Some(_), None) => MonitorScreen::AskDays,
            (Some(_), Some(audience), Some(days)) if ROUND_DAY_CHOICES.contains(&days) => {
                MonitorScreen::Preview {
                    recipients: self.audience_size(audience),
                    activities: self.facts.plan.activities.len(),
                    draft: draft.clone(),
                }
            }
            _ => MonitorScreen::AskDays,
        };
        self.state = State::NewRound { draft };
        self.show(Screen::Monitor(screen));
    }
}
