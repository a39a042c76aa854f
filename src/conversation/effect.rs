//! What a step wants written. Applied by the store in one transaction with the next state;
//! what each means to the conversation's own view of a chat is `Facts::after`.

use super::facts::{Consent, Facts, Given, Invite};
use crate::domain::{ActivityCode, Comment, Lang, Rating, Window};

pub use crate::domain::ProfileField;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    SetLang(Lang),
    GiveConsent,
    DeclineConsent,
    SetProfile(ProfileField),
    /// A rating; a comment held for this activity (sent before it was rated) becomes part of
    /// its comment.
    Rate {
        code: ActivityCode,
        rating: Rating,
    },
    /// Added to a rated activity's comment: a text joined to its text on a new line, a voice
    /// note in place of an earlier voice note (the text stays). Nothing sent is dropped.
    Comment {
        code: ActivityCode,
        comment: Comment,
    },
    /// Kept for an activity not rated yet, and saved with its rating: texts joined, a voice
    /// note in place of an earlier one.
    Hold {
        code: ActivityCode,
        comment: Comment,
    },
    Withdraw {
        code: ActivityCode,
    },
    /// The member opened a campaign's link: they count as its member from now on.
    JoinCampaign(i64),
    /// They speak for this side and organisation from now on (a campaign link's). Unlike a
    /// correction (`SetProfile`), the ratings given before keep the profile they were given
    /// under.
    MoveTo {
        constituency: crate::domain::Constituency,
        organisation: Option<crate::domain::OrgChoice>,
    },
    /// Campaign reminders on or off.
    SetReminders(bool),
    /// A coordinator turns a campaign's automatic reminders on or off (the store applies it
    /// only to a campaign of the organisation they coordinate).
    SetAutoRemind {
        campaign_id: i64,
        on: bool,
    },
    /// A monitoring round's answer on one activity (the store takes it only while the round
    /// is open).
    Answer {
        round: i64,
        code: ActivityCode,
        status: crate::domain::monitoring::Status,
    },
    /// A comment on one activity of a round: kept with the answer, or before it.
    RoundComment {
        round: i64,
        code: ActivityCode,
        comment: Comment,
    },
    /// Remove every trace of the member: profile, ratings, comments, revisions, chat state.
    Erase,
    /// Admins: open or close the consultation (audited with an `Audit` effect alongside).
    SetWindow(Window),
    AddAdmin(i64),
    RemoveAdmin(i64),
    /// Admins: `user_id` becomes the focal point of `org` (replacing any organisation before).
    AddCoordinator {
        org: String,
        user_id: i64,
    },
    RemoveCoordinator(i64),
    /// Note an admin action in the audit log, with the member as the actor.
    Audit {
        action: &'static str,
        detail: String,
        /// The person the action is about (an admin or focal point named), so that erasing
        /// them also clears their mention.
        subject: Option<i64>,
    },
}

impl Facts<'_> {
    /// The chat's own facts as the next step will find them once `effects` are written: the
    /// meaning of each effect as the conversation sees it, in one place (the store is the other
    /// side of it, in SQL). Facts about other people (an admin named, a focal point moved) are
    /// not the chat's own and stay as they are.
    pub fn after(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::SetLang(l) => self.lang = Some(*l),
                Effect::GiveConsent => self.consent = Consent::Given,
                Effect::DeclineConsent => self.consent = Consent::Declined,
                Effect::SetProfile(field) => self.profile.apply(field),
                Effect::MoveTo {
                    constituency,
                    organisation,
                } => {
                    self.profile.constituency = Some(*constituency);
                    self.profile.organisation = organisation.clone();
                }
                Effect::SetWindow(w) => self.window = *w,
                Effect::JoinCampaign(id) => {
                    self.joined = Some(*id);
                    if let Invite::Open(c) = &self.invite {
                        if c.id == *id {
                            self.campaign = Some(c.clone());
                            self.loaded.campaign = Some(*id);
                        }
                    }
                }
                Effect::SetReminders(on) => self.reminders = *on,
                Effect::SetAutoRemind { campaign_id, on } => {
                    for p in self.campaigns.iter_mut().flatten() {
                        if p.campaign.id == *campaign_id {
                            p.campaign.auto_remind = *on;
                        }
                    }
                }
                Effect::Erase => {
                    *self = Facts {
                        window: self.window,
                        organisations: self.organisations,
                        ..Facts::new(self.chat_id, self.plan, self.chat, self.telegram_lang)
                    }
                }
                // Other people's roles, as an admin's next step reads them (when loaded).
                Effect::AddAdmin(user_id) => {
                    if let Some(admins) = &mut self.admins {
                        if !admins.iter().any(|a| a.user_id == *user_id) {
                            admins.push(crate::domain::AdminRole {
                                user_id: *user_id,
                                from_environment: false,
                            });
                        }
                    }
                }
                Effect::RemoveAdmin(user_id) => {
                    if let Some(admins) = &mut self.admins {
                        admins.retain(|a| a.user_id != *user_id);
                    }
                }
                Effect::AddCoordinator { org, user_id } => {
                    if let Some(list) = &mut self.focal_points {
                        list.retain(|f| f.member_id != *user_id);
                        list.push(crate::domain::FocalPoint {
                            org_code: org.clone(),
                            member_id: *user_id,
                            first_name: None,
                            opened: false,
                        });
                    }
                }
                Effect::RemoveCoordinator(user_id) => {
                    if let Some(list) = &mut self.focal_points {
                        list.retain(|f| f.member_id != *user_id);
                    }
                }
                Effect::Rate { code, rating } => {
                    let before = self.given.remove(code).map(|g| g.comment);
                    let held = self.held.remove(code).unwrap_or_default();
                    let comment = before.unwrap_or_default().merged(held);
                    self.given.insert(
                        code.clone(),
                        Given {
                            rating: *rating,
                            comment,
                        },
                    );
                    self.last_rated = Some(code.clone());
                }
                Effect::Comment { code, comment } => {
                    if let Some(g) = self.given.get_mut(code) {
                        g.comment.added(comment);
                        self.last_rated = Some(code.clone());
                    }
                }
                Effect::Hold { code, comment } => {
                    if !self.given.contains_key(code) {
                        self.held.entry(code.clone()).or_default().added(comment);
                    }
                }
                Effect::Withdraw { code } => {
                    self.given.remove(code);
                    if self.last_rated.as_ref() == Some(code) {
                        self.last_rated = None;
                    }
                }
                Effect::Answer {
                    round,
                    code,
                    status,
                } => {
                    for r in [&mut self.round, &mut self.open_round]
                        .into_iter()
                        .flatten()
                    {
                        if r.round.id == *round {
                            r.answers.entry(code.clone()).or_default().status = Some(*status);
                        }
                    }
                }
                Effect::RoundComment {
                    round,
                    code,
                    comment,
                } => {
                    for r in [&mut self.round, &mut self.open_round]
                        .into_iter()
                        .flatten()
                    {
                        if r.round.id == *round {
                            r.answers
                                .entry(code.clone())
                                .or_default()
                                .comment
                                .added(comment);
                        }
                    }
                }
                Effect::Audit { .. } => {}
            }
        }
    }
}
