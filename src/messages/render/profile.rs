//! The member's profile questions: one short screen each, tapped through.

use super::*;
use crate::conversation::{ProfileScreen, ProfileStep};

/// How a profile question is asked: as a step of the welcome, as a step of an edit from the
/// settings (which can be cancelled), or alone (one answer changed from the settings).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Asked {
    Welcome,
    Edit,
    Single,
}

impl R<'_> {
    pub(super) fn profile_screen(&mut self, screen: &ProfileScreen, asked: Asked) {
        let step = match screen {
            ProfileScreen::AskConstituency => ProfileStep::Constituency,
            ProfileScreen::AskOrganisation { .. } => ProfileStep::Organisation,
            ProfileScreen::AskProvince { .. } => ProfileStep::Province,
            ProfileScreen::AskSector => ProfileStep::Sector,
            ProfileScreen::AskGender => ProfileStep::Gender,
        };
        match screen {
            ProfileScreen::AskConstituency => {
                self.line(&self.t("profile.constituency"));
                let buttons = Constituency::ALL
                    .iter()
                    .map(|c| {
                        self.btn(
                            c.key(),
                            Callback::Profile(ProfileCallback::Constituency(*c)),
                        )
                    })
                    .collect();
                self.kb.grid(buttons, 2);
                self.step_line(step, asked);
                self.leave_row(asked, None);
            }
            ProfileScreen::AskOrganisation {
                constituency,
                page,
                pages,
                items,
            } => {
                self.ask_organisation(*constituency, *page, *pages, items);
                self.step_line(step, asked);
                self.leave_row(asked, Some(true));
            }
            ProfileScreen::AskProvince { page } => {
                self.line(&self.t("profile.province"));
                let all = Province::picker_order(self.lang);
                let (page, pages, items) =
                    crate::conversation::reply::paginate(&all, PROVINCE_PAGE, *page);
                let buttons = items
                    .iter()
                    .map(|p| {
                        Button::cb(
                            self.province_name(*p),
                            Callback::Profile(ProfileCallback::Province(*p)),
                        )
                    })
                    .collect();
                self.kb.grid(buttons, 2);
                self.nav(page, pages, |p| {
                    Callback::Profile(ProfileCallback::ProvincePage(p))
                });
                self.step_line(step, asked);
                self.leave_row(asked, Some(true));
            }
            ProfileScreen::AskSector => {
                self.line(&self.t("profile.sector"));
                let buttons = Sector::ALL
                    .iter()
                    .map(|s| self.btn(s.key(), Callback::Profile(ProfileCallback::Sector(*s))))
                    .collect();
                self.kb.grid(buttons, 2);
                self.step_line(step, asked);
                self.leave_row(asked, Some(true));
            }
            ProfileScreen::AskGender => {
                self.line(&self.t("profile.gender"));
                let buttons = Gender::ALL
                    .iter()
                    .map(|g| self.btn(g.key(), Callback::Profile(ProfileCallback::Gender(*g))))
                    .collect();
                self.kb.grid(buttons, 2);
                self.step_line(step, asked);
                self.leave_row(asked, Some(false));
            }
        }
    }

    /// "Step 2/5" (the first is required), except for one answer changed alone.
    fn step_line(&mut self, step: ProfileStep, asked: Asked) {
        if asked == Asked::Single {
            return;
        }
        let key = if step == ProfileStep::Constituency {
            "profile.step_required"
        } else {
            "profile.step"
        };
        self.line(&tr_with(
            self.lang,
            key,
            &[
                ("step", &number(step.number(), self.lang)),
                ("steps", &number(ProfileStep::ALL.len(), self.lang)),
            ],
        ));
    }

    /// The ways out of a question: skip it (`Some(with_rest)`: and the questions after it),
    /// and from the settings, cancel (one answer changed alone is kept or cancelled).
    fn leave_row(&mut self, asked: Asked, skip: Option<bool>) {
        if asked != Asked::Single {
            if let Some(with_rest) = skip {
                let mut row =
                    vec![self.btn("btn.skip", Callback::Profile(ProfileCallback::SkipStep))];
                if with_rest {
                    row.push(self.btn(
                        "btn.skip_rest",
                        Callback::Profile(ProfileCallback::SkipRest),
                    ));
                }
                self.kb.row(row);
            }
        }
        if asked != Asked::Welcome {
            let row = vec![self.btn(
                "btn.cancel_edit",
                Callback::Profile(ProfileCallback::Cancel),
            )];
            self.kb.row(row);
        }
    }

    fn ask_organisation(
        &mut self,
        constituency: Constituency,
        page: u8,
        pages: u8,
        items: &[crate::domain::Org],
    ) {
        // The question names the kind of organisation (a union, an association…), so no
        // label in brackets is needed.
        let question = self.t(match constituency {
            Constituency::Workers => "org_question.workers",
            Constituency::Employers => "org_question.employers",
            Constituency::Government => "org_question.government",
            Constituency::Other => "org_question.other",
        });
        self.line(&tr_with(
            self.lang,
            "profile.organisation",
            &[("question", &question)],
        ));
        for org in items {
            let label = org_button(org, self.lang);
            self.kb.row(vec![Button::cb(
                label,
                Callback::Profile(ProfileCallback::Org(org.code.clone())),
            )]);
        }
        self.nav(page, pages, |p| {
            Callback::Profile(ProfileCallback::OrgPage(p))
        });
    }
}
