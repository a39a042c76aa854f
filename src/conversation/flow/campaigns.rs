//! Focal points' side of the step: campaigns (the guided dialog and the one-line command),
//! reminders, the group card, and what a campaign link fills in for a member. Every action is
//! checked against the organisation the member coordinates.

use super::*;

/// What the member is told about the link they opened, above the next screen.
pub(super) fn invite_banner(invite: &Invite) -> Option<Banner> {
    match invite {
        Invite::None => None,
        Invite::Unknown => Some(Banner::InviteUnknown),
        Invite::Expired => Some(Banner::InviteExpired),
        Invite::Open(_) => Some(Banner::Joined),
    }
}

impl Step<'_> {
    /// Sets the constituency and organisation the campaign's organisation implies; `true`
    /// when the constituency is now known.
    pub(super) fn fill_from_campaign(&mut self, c: &CampaignFacts) -> bool {
        let Some(constituency) = c.constituency else {
            return false;
        };
        self.effect(Effect::MoveTo {
            constituency,
            organisation: c.org.clone(),
        });
        true
    }

    /// The member already speaks for another side or organisation than the campaign's: moving
    /// them is asked, never done silently. (Blank answers are simply filled in.)
    pub(super) fn speaks_for_another(&self, c: &CampaignFacts) -> bool {
        let profile = &self.facts.profile;
        let other_side = matches!((profile.constituency, c.constituency),
            (Some(mine), Some(theirs)) if mine != theirs);
        let other_org = matches!((&profile.organisation, &c.org),
            (Some(mine), Some(theirs)) if mine != theirs);
        other_side || other_org
    }

    /// A campaign opened by its link: joined, and its first unrated activity shown, after the
    /// question to switch when the member speaks for another organisation.
    pub(super) fn open_campaign(&mut self, c: &CampaignFacts) {
        self.effect(Effect::JoinCampaign(c.id));
        self.state = State::Menu;
        let Some(to_side) = c.constituency.filter(|_| self.speaks_for_another(c)) else {
            self.fill_from_campaign(c);
            return self.next_card_in(None, Some(c), None);
        };
        // The question says what they joined; "your organisation's" would be wrong here.
        self.banner = None;
        let profile = &self.facts.profile;
        self.show(Screen::Campaign(CampaignScreen::SwitchOrg {
            campaign: c.id,
            title: c.title.clone(),
            from_side: profile.constituency,
            from_org: profile.organisation.clone(),
            to_side,
            to_org: c.org.clone(),
        }));
    }

    /// The answer to [`Screen::Campaign(CampaignScreen::SwitchOrg)`]; the campaign must still be the one they joined.
    pub(super) fn switch_org(&mut self, campaign: i64, switch: bool) {
        self.state = State::Menu;
        let Some(c) = self.campaign().filter(|c| c.id == campaign) else {
            self.notice = Some(Notice::Outdated);
            return self.menu();
        };
        if switch {
            self.fill_from_campaign(&c);
            self.banner = Some(Banner::Switched);
        } else {
            self.banner = Some(Banner::KeptProfile);
        }
        self.next_card_in(None, Some(&c), None);
    }

    /// Coordinators' commands and buttons. Everything is checked against the organisation the
    /// member coordinates; a campaign of another organisation is refused like a forged button.
    pub(super) fn coordinator(&mut self, input: &Input, now: DateTime<Utc>) -> bool {
        let org = self.facts.coordinates.clone();
        match input {
            Input::Command(Command::Campaign(arg)) => {
                let Some(org) = org else {
                    self.show(Screen::Campaign(CampaignScreen::NotCoordinator));
                    return true;
                };
                match arg {
                    CampaignArg::List => self.campaigns(),
                    CampaignArg::Guided if self.closed_since.is_some() => {
                        self.consultation_closed()
                    }
                    CampaignArg::Usage => {
                        self.show(Screen::Campaign(CampaignScreen::CampaignUsage))
                    }
                    CampaignArg::Guided => self.draft_campaign(CampaignDraft::default(), now),
                    CampaignArg::New {
                        deadline,
                        scope,
                        title,
                    } => match (self.scope(scope), campaign_title(title)) {
                        _ if self.closed_since.is_some() => self.consultation_closed(),
                        (Some(activities), Some(title)) if *deadline > now => {
                            self.create_campaign(org, title, activities, *deadline)
                        }
                        _ => self.show(Screen::Campaign(CampaignScreen::CampaignUsage)),
                    },
                }
            }
            Input::Text(text) if matches!(self.state, State::NewCampaign { .. }) => {
                let State::NewCampaign { draft } = self.state.clone() else {
                    return false;
                };
                let Some(org) = org else {
                    self.state = State::Menu;
                    self.show_new(Screen::Campaign(CampaignScreen::NotCoordinator));
                    return true;
                };
                self.placement = Placement::New;
                self.campaign_answer(org, draft, text, now);
            }
            // A campaign past its deadline: nothing more is sent or changed for it.
            Input::Callback {
                data:
                    Callback::Campaign(CampaignCallback::Remind(id))
                    | Callback::Campaign(CampaignCallback::RemindSend(id))
                    | Callback::Campaign(CampaignCallback::AutoRemind(id, _)),
                ..
            } if org.is_some()
                && self
                    .own_campaign(*id)
                    .is_some_and(|p| p.campaign.deadline <= now) =>
            {
                self.notice = Some(Notice::CampaignClosed);
                self.campaigns_with(*id);
            }
            // Members could not answer a reminder while the consultation is closed.
            Input::Callback {
                data:
                    Callback::Campaign(CampaignCallback::Remind(id))
                    | Callback::Campaign(CampaignCallback::RemindSend(id)),
                ..
            } if org.is_some()
                && self.closed_since.is_some()
                && self.own_campaign(*id).is_some() =>
            {
                self.state = State::Menu;
                self.notice = Some(Notice::Closed);
                self.consultation_closed();
            }
            Input::Callback { data, .. } => match data {
                Callback::Campaign(CampaignCallback::Campaigns(page)) if org.is_some() => {
                    self.campaigns_page(*page)
                }
                Callback::Campaign(CampaignCallback::NewCampaign)
                    if org.is_some() && self.closed_since.is_some() =>
                {
                    self.consultation_closed()
                }
                Callback::Campaign(CampaignCallback::NewCampaign) if org.is_some() => {
                    self.draft_campaign(CampaignDraft::default(), now)
                }
                Callback::Campaign(CampaignCallback::CampaignScope(_))
                | Callback::Campaign(CampaignCallback::CampaignPick(_))
                | Callback::Campaign(CampaignCallback::CampaignToggle(_))
                | Callback::Campaign(CampaignCallback::CampaignPicked)
                | Callback::Campaign(CampaignCallback::CampaignDays(_))
                    if org.is_some() =>
                {
                    let (State::NewCampaign { draft }, Some(org)) = (self.state.clone(), org)
                    else {
                        // A button of a dialog that is over: its campaign was made or dropped.
                        self.notice = Some(Notice::Outdated);
                        self.show(Screen::Outdated);
                        return true;
                    };
                    self.campaign_button(org, draft, data, now);
                }
                Callback::Campaign(CampaignCallback::NewCampaign)
                | Callback::Campaign(CampaignCallback::CampaignScope(_))
                | Callback::Campaign(CampaignCallback::CampaignPick(_))
                | Callback::Campaign(CampaignCallback::CampaignToggle(_))
                | Callback::Campaign(CampaignCallback::CampaignPicked)
                | Callback::Campaign(CampaignCallback::CampaignDays(_)) => self.refuse(None),
                Callback::Campaign(CampaignCallback::AutoRemind(id, on)) => {
                    match self.own_campaign(*id) {
                        Some(_) if org.is_some() => {
                            self.effect(Effect::SetAutoRemind {
                                campaign_id: *id,
                                on: *on,
                            });
                            self.notice = Some(Notice::Saved);
                            self.campaigns_with(*id);
                        }
                        _ => self.refuse(Some(*id)),
                    }
                }
                Callback::Campaign(CampaignCallback::Remind(id)) => match self.own_campaign(*id) {
                    Some(p) if org.is_some() => {
                        self.state = State::Confirming {
                            action: Pending::Remind(*id),
                        };
                        self.show(Screen::Campaign(CampaignScreen::ConfirmRemind {
                            campaign_id: *id,
                            title: p.campaign.title.clone(),
                            count: p.unfinished.len(),
                        }))
                    }
                    _ => self.refuse(Some(*id)),
                },
                Callback::Campaign(CampaignCallback::RemindSend(id)) => {
                    match self.own_campaign(*id) {
                        Some(_) if org.is_some() => {
                            let confirming = State::Confirming {
                                action: Pending::Remind(*id),
                            };
                            if let (true, Some(org)) = (self.state == confirming, org) {
                                self.state = State::Menu;
                                self.notice = Some(Notice::Sending);
                                self.tasks.push(Task::Remind {
                                    campaign_id: *id,
                                    org,
                                });
                            } else {
                                // Sent with the first tap: a second sends nothing.
                                self.notice = Some(Notice::AlreadyDone);
                            }
                            self.campaigns_with(*id);
                        }
                        _ => self.refuse(Some(*id)),
                    }
                }
                Callback::Campaign(CampaignCallback::Campaigns(_)) => self.refuse(None),
                _ => return false,
            },
            _ => return false,
        }
        true
    }

    /// Feedback is personal: in groups the bot only points to the private chat — with the
    /// campaign card when the organisation's focal point asks for it — and otherwise keeps
    /// quiet (a busy group is not answered message by message).
    pub(super) fn group(&mut self, input: &Input) {
        let Input::Command(cmd) = input else {
            return;
        };
        match cmd {
            Command::Start(_) => self.show(Screen::GroupInvite),
            Command::Campaign(_) if !self.facts.loaded.group_campaigns => {
                // Whether the sender is a focal point, and their campaigns: loaded on demand.
                self.needs.group_campaigns = true;
            }
            Command::Campaign(CampaignArg::List) if self.facts.coordinates.is_some() => {
                match self.facts.cards.len() {
                    0 => self.show(Screen::Campaign(CampaignScreen::GroupNoCampaign)),
                    n => {
                        let cards = self.facts.cards[..n.min(MAX_GROUP_CARDS)].to_vec();
                        self.show(Screen::Campaign(CampaignScreen::GroupCampaignCard {
                            cards,
                        }))
                    }
                }
            }
            // Making a campaign is done in private.
            Command::Campaign(_) if self.facts.coordinates.is_some() => {
                self.show(Screen::GroupInvite)
            }
            _ => {}
        }
    }

    /// One of the coordinator's own campaigns; `None` for another organisation's.
    fn own_campaign(&mut self, id: i64) -> Option<crate::domain::CampaignProgress> {
        self.campaign_list()
            .into_iter()
            .find(|p| p.campaign.id == id)
    }

    /// A campaign button that is not this person's: a focal point is told whether there is no
    /// such campaign or it is another organisation's, and sees their own campaigns; anyone
    /// else learns who may use it.
    fn refuse(&mut self, campaign: Option<i64>) {
        if self.facts.coordinates.is_some() {
            let exists = match campaign {
                Some(id) if self.facts.loaded.campaign_owner == Some(id) => self
                    .facts
                    .campaign_owner
                    .clone()
                    .map(|owner| owner.is_some()),
                Some(id) => {
                    self.needs.campaign_owner = Some(id);
                    None
                }
                None => Some(true),
            };
            self.notice = Some(match exists {
                Some(false) => Notice::NoSuchCampaign,
                _ => Notice::NotYours,
            });
            self.campaigns();
        } else {
            self.notice = Some(Notice::Outdated);
            self.show(Screen::Campaign(CampaignScreen::NotCoordinator));
        }
    }

    /// Asks the first question the draft has no answer for.
    fn draft_campaign(&mut self, draft: CampaignDraft, now: DateTime<Utc>) {
        let screen = match (&draft.title, &draft.activities) {
            (None, _) => Screen::Campaign(CampaignScreen::AskCampaignTitle),
            (Some(title), None) => match draft.picking {
                None => Screen::Campaign(CampaignScreen::AskCampaignScope {
                    title: title.clone(),
                }),
                Some(page) => {
                    let all: Vec<(ActivityCode, bool)> = self
                        .facts
                        .plan
                        .activities
                        .iter()
                        .map(|a| (a.code.clone(), draft.picked.contains(&a.code)))
                        .collect();
                    let (page, pages, items) = paginate(&all, ACTIVITY_PAGE, page);
                    Screen::Campaign(CampaignScreen::PickCampaignActivities {
                        title: title.clone(),
                        page,
                        pages,
                        items,
                        chosen: draft.picked.len(),
                    })
                }
            },
            (Some(title), Some(activities)) => {
                Screen::Campaign(CampaignScreen::AskCampaignDeadline {
                    title: title.clone(),
                    activities: activities.len(),
                    options: DEADLINE_CHOICES
                        .iter()
                        .filter_map(|d| Some((*d, end_of_day_after(now, *d)?)))
                        .collect(),
                })
            }
        };
        self.state = State::NewCampaign { draft };
        self.show(screen);
    }

    /// A typed answer to the dialog's current question.
    fn campaign_answer(
        &mut self,
        org: String,
        mut draft: CampaignDraft,
        text: &str,
        now: DateTime<Utc>,
    ) {
        if draft.title.is_none() {
            match campaign_title(text) {
                Some(title) => draft.title = Some(title),
                None => self.banner = Some(Banner::CampaignTitleInvalid),
            }
        } else if draft.activities.is_none() {
            match self.scope(text.trim()) {
                Some(activities) => draft.activities = Some(activities),
                None => self.banner = Some(Banner::CampaignScopeInvalid),
            }
        } else {
            match crate::domain::window::parse_until(text.trim()) {
                Ok(deadline) if deadline > now => return self.finish_draft(org, draft, deadline),
                _ => self.banner = Some(Banner::CampaignDateInvalid),
            }
        }
        self.draft_campaign(draft, now);
    }

    /// A tapped answer: the activities' scope, or the deadline in days.
    fn campaign_button(
        &mut self,
        org: String,
        mut draft: CampaignDraft,
        data: &Callback,
        now: DateTime<Utc>,
    ) {
        match (data, &draft.title, &draft.activities) {
            (Callback::Campaign(CampaignCallback::CampaignScope(priority)), Some(_), None) => {
                let plan = self.facts.plan;
                let activities: Vec<ActivityCode> = match priority {
                    None => plan.activities.iter().map(|a| a.code.clone()).collect(),
                    Some(p) => plan.activities_of(p).map(|a| a.code.clone()).collect(),
                };
                if activities.is_empty() {
                    self.notice = Some(Notice::Outdated);
                } else {
                    draft.activities = Some(activities);
                }
            }
            (Callback::Campaign(CampaignCallback::CampaignPick(page)), Some(_), None) => {
                draft.picking = Some(*page)
            }
            (Callback::Campaign(CampaignCallback::CampaignToggle(code)), Some(_), None)
                if draft.picking.is_some() =>
            {
                if let Some(at) = draft.picked.iter().position(|c| c == code) {
                    draft.picked.remove(at);
                } else if self.facts.plan.activity(code).is_some() {
                    draft.picked.push(code.clone());
                }
            }
            (Callback::Campaign(CampaignCallback::CampaignPicked), Some(_), None)
                if draft.picking.is_some() =>
            {
                // Asked in the plan's order, whatever the order they were ticked in.
                let picked: Vec<ActivityCode> = self
                    .facts
                    .plan
                    .activities
                    .iter()
                    .filter(|a| draft.picked.contains(&a.code))
                    .map(|a| a.code.clone())
                    .collect();
                if picked.is_empty() {
                    // Said, not silently ignored: the same page is asked again.
                    self.notice = Some(Notice::PickOne);
                } else {
                    draft.activities = Some(picked);
                }
            }
            (Callback::Campaign(CampaignCallback::CampaignDays(days)), Some(_), Some(_)) => {
                if let Some(deadline) = end_of_day_after(now, *days) {
                    return self.finish_draft(org, draft, deadline);
                }
            }
            // A button of an earlier question: the current one is asked again.
            _ => self.notice = Some(Notice::Outdated),
        }
        self.draft_campaign(draft, now);
    }

    fn finish_draft(&mut self, org: String, draft: CampaignDraft, deadline: DateTime<Utc>) {
        self.state = State::Menu;
        if self.closed_since.is_some() {
            return self.consultation_closed();
        }
        match (draft.title, draft.activities) {
            (Some(title), Some(activities)) => {
                self.create_campaign(org, title, activities, deadline)
            }
            _ => self.campaigns(),
        }
    }

    /// The campaign is made in a task: its random code is not the pure step's business.
    fn create_campaign(
        &mut self,
        org: String,
        title: String,
        activities: Vec<ActivityCode>,
        deadline: DateTime<Utc>,
    ) {
        self.notice = Some(Notice::Creating);
        self.tasks
            .push(Task::CreateCampaign(crate::domain::CampaignRequest {
                org,
                title,
                activities,
                deadline,
            }));
    }

    fn campaigns(&mut self) {
        self.campaigns_page(0)
    }

    /// The page of the list that shows campaign `id`.
    fn campaigns_with(&mut self, id: i64) {
        let at = self
            .campaign_list()
            .iter()
            .position(|p| p.campaign.id == id)
            .unwrap_or(0);
        self.campaigns_page((at / CAMPAIGN_PAGE) as u8)
    }

    fn campaigns_page(&mut self, page: u8) {
        if let State::NewCampaign { .. } = self.state {
            // Back to the list is how the dialog is left.
            self.state = State::Menu;
        }
        let all = self.campaign_list();
        let (page, pages, list) = paginate(&all, CAMPAIGN_PAGE, page);
        self.show(Screen::Campaign(CampaignScreen::Campaigns {
            list,
            now: self.now,
            page,
            pages,
        }));
    }

    /// Nothing is made or sent for members who could not answer.
    fn consultation_closed(&mut self) {
        self.state = State::Menu;
        self.show(Screen::Campaign(CampaignScreen::ConsultationClosed));
    }

    /// `all`, a priority code, or activity codes separated by commas, in the active plan.
    fn scope(&self, scope: &str) -> Option<Vec<ActivityCode>> {
        let plan = self.facts.plan;
        if scope.eq_ignore_ascii_case("all") {
            return Some(plan.activities.iter().map(|a| a.code.clone()).collect());
        }
        // Codes are matched whatever the case: `p1.1,p2.3` is what a phone keyboard types.
        let scope = scope.trim();
        if let Some(p) = plan
            .priorities
            .iter()
            .find(|p| p.code.as_str().eq_ignore_ascii_case(scope))
        {
            return Some(
                plan.activities_of(&p.code)
                    .map(|a| a.code.clone())
                    .collect(),
            );
        }
        let codes: Option<Vec<ActivityCode>> = scope
            .split(',')
            .map(|c| {
                plan.activities
                    .iter()
                    .find(|a| a.code.as_str().eq_ignore_ascii_case(c.trim()))
                    .map(|a| a.code.clone())
            })
            .collect();
        // One activity named twice (`P1.1,p1.1`) is asked once, where it first came.
        let mut codes = codes?;
        let mut seen = std::collections::HashSet::new();
        codes.retain(|c| seen.insert(c.clone()));
        (!codes.is_empty()).then_some(codes)
    }
}

/// A campaign title as typed, trimmed; `None` when empty or longer than [`MAX_TITLE_CHARS`].
fn campaign_title(raw: &str) -> Option<String> {
    let title = raw.trim();
    (!title.is_empty() && title.chars().count() <= MAX_TITLE_CHARS).then(|| title.to_string())
}

/// Campaigns on one page of a focal point's list: each may list many activities and names.
pub const CAMPAIGN_PAGE: usize = 2;

/// The deadlines offered as buttons, in days from today.
pub const DEADLINE_CHOICES: [u8; 3] = [7, 14, 28];
