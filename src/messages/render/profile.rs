//! The member's profile questions: one short screen each, tapped through.

use super::*;
use crate::conversation::ProfileScreen;

impl R<'_> {
    pub(super) fn profile_screen(&mut self, screen: &ProfileScreen) {
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
            }
            ProfileScreen::AskOrganisation {
                constituency,
                page,
                pages,
                items,
            } => self.ask_organisation(*constituency, *page, *pages, items),
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
                self.skip_row(true);
            }
            ProfileScreen::AskSector => {
                self.line(&self.t("profile.sector"));
                let buttons = Sector::ALL
                    .iter()
                    .map(|s| self.btn(s.key(), Callback::Profile(ProfileCallback::Sector(*s))))
                    .collect();
                self.kb.grid(buttons, 2);
                self.skip_row(true);
            }
            ProfileScreen::AskGender => {
                self.line(&self.t("profile.gender"));
                let buttons = Gender::ALL
                    .iter()
                    .map(|g| self.btn(g.key(), Callback::Profile(ProfileCallback::Gender(*g))))
                    .collect();
                self.kb.grid(buttons, 2);
                self.skip_row(false);
            }
        }
    }

    fn skip_row(&mut self, with_rest: bool) {
        let mut row = vec![self.btn("btn.skip", Callback::Profile(ProfileCallback::SkipStep))];
        if with_rest {
            row.push(self.btn(
                "btn.skip_rest",
                Callback::Profile(ProfileCallback::SkipRest),
            ));
        }
        self.kb.row(row);
    }

    fn ask_organisation(
        &mut self,
        constituency: Constituency,
        page: u8,
        pages: u8,
        items: &[crate::domain::Org],
    ) {
        self.line(&tr_with(
            self.lang,
            "profile.organisation",
            &[("constituency", &self.t(constituency.key()))],
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
        self.skip_row(true);
    }
}
