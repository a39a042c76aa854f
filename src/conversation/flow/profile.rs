//! The member's profile, asked one question at a time: for a newcomer each answer is stored
//! as it comes; edited from the settings, the answers wait in the state's draft until the last
//! question, so /cancel leaves the profile as it was.

use super::*;

impl Step<'_> {
    /// The profile questions' buttons.
    pub(super) fn profile_callback(&mut self, state: &State, data: &ProfileCallback) {
        let editing = match state {
            State::Profile { editing, .. } => *editing,
            _ => true,
        };
        match data {
            ProfileCallback::Constituency(c) => {
                self.set_field(editing, ProfileField::Constituency(*c));
                self.at(ProfileStep::Organisation, editing);
                self.ask_organisation(*c, 0);
            }
            ProfileCallback::OrgPage(page) => {
                self.at(ProfileStep::Organisation, editing);
                self.profile_screen(ProfileStep::Organisation, *page);
            }
            ProfileCallback::Org(code) => match Org::find(code, self.facts.organisations) {
                Some(org) => {
                    self.set_field(editing, ProfileField::Organisation(OrgChoice::Known(org)));
                    self.at(ProfileStep::Organisation, editing);
                    self.next_profile_step(ProfileStep::Organisation);
                }
                // An organisation nobody listed (forged, or from another build): like any
                // outdated button — asked again when answering it, else the menu.
                None => {
                    self.notice = Some(Notice::Outdated);
                    if let State::Profile { .. } = state {
                        self.at(ProfileStep::Organisation, editing);
                        self.profile_screen(ProfileStep::Organisation, 0);
                    } else {
                        self.state = State::Menu;
                        self.menu();
                    }
                }
            },
            ProfileCallback::ProvincePage(page) => {
                self.at(ProfileStep::Province, editing);
                self.profile_screen(ProfileStep::Province, *page);
            }
            ProfileCallback::Province(p) => {
                self.set_field(editing, ProfileField::Province(*p));
                self.at(ProfileStep::Province, editing);
                self.next_profile_step(ProfileStep::Province);
            }
            ProfileCallback::Sector(x) => {
                self.set_field(editing, ProfileField::Sector(*x));
                self.at(ProfileStep::Sector, editing);
                self.next_profile_step(ProfileStep::Sector);
            }
            ProfileCallback::Gender(g) => {
                self.set_field(editing, ProfileField::Gender(*g));
                self.at(ProfileStep::Gender, editing);
                self.next_profile_step(ProfileStep::Gender);
            }
            ProfileCallback::SkipStep => match state {
                State::Profile { step, .. } => self.next_profile_step(*step),
                _ => self.finish_profile(editing),
            },
            ProfileCallback::SkipRest => self.finish_profile(editing),
            ProfileCallback::Edit => {
                // A fresh edit: nothing of an earlier, unfinished one.
                self.state = State::Profile {
                    step: ProfileStep::Constituency,
                    editing: true,
                    draft: Profile::default(),
                    single: false,
                };
                self.ask(ProfileScreen::AskConstituency);
            }
            ProfileCallback::EditField(step) => {
                self.state = State::Profile {
                    step: *step,
                    editing: true,
                    draft: Profile::default(),
                    single: true,
                };
                self.profile_screen(*step, 0);
            }
            ProfileCallback::Cancel => self.cancel_profile_edit(state),
        }
    }

    /// A profile question: as part of the welcome, or (with a way to cancel) from the settings.
    pub(super) fn ask(&mut self, question: ProfileScreen) {
        let screen = match &self.state {
            State::Profile {
                editing: true,
                single,
                ..
            } => Screen::ProfileEdit {
                question,
                single: *single,
            },
            _ => Screen::Profile(question),
        };
        self.show(screen);
    }

    /// Out of an edit from the settings, back to them; the profile stays as it was (the
    /// edit's answers were never stored: dropping them is the whole undo).
    pub(super) fn cancel_profile_edit(&mut self, state: &State) {
        if matches!(state, State::Profile { editing: true, .. }) {
            self.banner = Some(Banner::ProfileEditCancelled);
        } else {
            self.notice = Some(Notice::NothingToDo);
        }
        self.state = State::Menu;
        self.settings();
    }

    pub(super) fn profile_screen(&mut self, step: ProfileStep, page: u8) {
        match step {
            ProfileStep::Constituency => self.ask(ProfileScreen::AskConstituency),
            ProfileStep::Organisation => match self.current_constituency() {
                Some(constituency) => self.ask_organisation(constituency, page),
                None => {
                    self.at(ProfileStep::Constituency, self.editing());
                    self.ask(ProfileScreen::AskConstituency);
                }
            },
            ProfileStep::Province => self.ask(ProfileScreen::AskProvince { page }),
            ProfileStep::Sector => self.ask(ProfileScreen::AskSector),
            ProfileStep::Gender => self.ask(ProfileScreen::AskGender),
        }
    }

    pub(super) fn ask_organisation(&mut self, constituency: crate::domain::Constituency, page: u8) {
        let all = Org::picker(constituency, self.facts.organisations);
        let (page, pages, items) = paginate(&all, ORG_PAGE, page);
        self.ask(ProfileScreen::AskOrganisation {
            constituency,
            page,
            pages,
            items,
        });
    }

    pub(super) fn editing(&self) -> bool {
        matches!(self.state, State::Profile { editing: true, .. })
    }

    /// Editing one answer from the settings.
    fn single(&self) -> bool {
        matches!(self.state, State::Profile { single: true, .. })
    }

    /// The constituency as the profile being edited has it, or as this step's effects leave
    /// the member's (it may have just been chosen).
    pub(super) fn current_constituency(&self) -> Option<crate::domain::Constituency> {
        self.profile_draft()
            .constituency
            .or(self.facts.profile.constituency)
    }

    /// The answers of a profile being edited, so far.
    pub(super) fn profile_draft(&self) -> Profile {
        match &self.state {
            State::Profile { draft, .. } => draft.clone(),
            _ => Profile::default(),
        }
    }

    /// At a profile question; an edit keeps its answers so far.
    pub(super) fn at(&mut self, step: ProfileStep, editing: bool) {
        let draft = if editing {
            self.profile_draft()
        } else {
            Profile::default()
        };
        self.state = State::Profile {
            step,
            editing,
            draft,
            single: editing && self.single(),
        };
    }

    /// A profile answer: stored at once for a newcomer; kept in the draft while the profile
    /// is edited from the settings, stored only when the edit is finished.
    pub(super) fn set_field(&mut self, editing: bool, field: ProfileField) {
        if !editing {
            self.effect(Effect::SetProfile(field));
            return;
        }
        let mut draft = self.profile_draft();
        draft.apply(&field);
        let step = match &self.state {
            State::Profile { step, .. } => *step,
            _ => ProfileStep::Constituency,
        };
        self.state = State::Profile {
            step,
            editing: true,
            draft,
            single: self.single(),
        };
    }

    /// The edited profile's answers, stored now that the edit is finished.
    pub(super) fn save_draft(&mut self) {
        for field in self.profile_draft().fields() {
            self.effect(Effect::SetProfile(field));
        }
    }

    pub(super) fn next_profile_step(&mut self, done: ProfileStep) {
        if done == ProfileStep::Constituency && self.current_constituency().is_none() {
            // The one question that cannot be skipped.
            self.ask(ProfileScreen::AskConstituency);
            return;
        }
        // One answer changed: saved now; a new constituency also asks its organisation.
        let next = match done.next() {
            Some(ProfileStep::Organisation) => Some(ProfileStep::Organisation),
            _ if self.single() => None,
            next => next,
        };
        match next {
            Some(step) => {
                self.at(step, self.editing());
                self.profile_screen(step, 0);
            }
            None => self.finish_profile(self.editing()),
        }
    }

    pub(super) fn finish_profile(&mut self, editing: bool) {
        if self.current_constituency().is_none() {
            self.at(ProfileStep::Constituency, editing);
            self.ask(ProfileScreen::AskConstituency);
            return;
        }
        if editing {
            self.save_draft();
        }
        self.state = State::Menu;
        self.banner = Some(Banner::ProfileSaved);
        if editing {
            self.settings();
        } else {
            self.next_card_from(None, None);
        }
    }
}
