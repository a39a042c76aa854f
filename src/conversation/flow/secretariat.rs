//! The secretariat's side of the step: summary, export, plan files, the consultation window,
//! admins and announcements. Every action is checked against `facts.is_admin`.

use super::*;
use crate::conversation::secretariat::AdminUnchanged;

impl Step<'_> {
    /// The secretariat's commands, buttons and plan uploads; `false` for anything else.
    /// Every one is checked here, on the server: a member who types an admin command or
    /// forges an admin button gets a polite refusal and nothing happens.
    pub(super) fn secretariat(&mut self, input: &Input, now: DateTime<Utc>) -> bool {
        let admin = self.facts.is_admin;
        match input {
            Input::Document(doc) if admin => self.plan_upload(doc),
            Input::Command(cmd) => match cmd {
                Command::Summary => self.summary(0),
                Command::Export if admin => {
                    self.state = State::Confirming {
                        action: Pending::Exports { asked: Vec::new() },
                    };
                    self.show(Screen::Staff(StaffScreen::ChooseExport))
                }
                Command::Report if admin => {
                    self.state = State::Confirming {
                        action: Pending::Reports { asked: Vec::new() },
                    };
                    self.show(Screen::Staff(StaffScreen::ChooseReport))
                }
                Command::Template if admin => self.tasks.push(Task::Template),
                Command::Window(arg) if admin => self.window(arg, now),
                Command::Admin(arg) if admin => self.admin(arg),
                Command::Focal(arg) if admin => self.focal(arg),
                Command::Announce(arg) if admin => match arg {
                    AnnounceArg::Ask => self.announce_draft(AnnounceDraft::default()),
                    AnnounceArg::To(audience) => {
                        let audience = self.known_audience(audience.clone());
                        self.announce_draft(AnnounceDraft {
                            audience,
                            text: None,
                        })
                    }
                    AnnounceArg::Invalid => {
                        self.banner = Some(Banner::AnnounceAudienceInvalid);
                        self.announce_draft(AnnounceDraft::default())
                    }
                },
                Command::Export
                | Command::Report
                | Command::Template
                | Command::Window(_)
                | Command::Admin(_)
                | Command::Announce(_)
                | Command::Focal(_) => self.show(Screen::NotAllowed),
                _ => return false,
            },
            Input::Text(text) if matches!(self.state, State::Announce { .. }) => {
                let State::Announce { draft } = self.state.clone() else {
                    return false;
                };
                self.placement = Placement::New;
                if admin {
                    self.announce_answer(draft, text);
                } else {
                    // No longer an admin since the dialog began.
                    self.state = State::Menu;
                    self.show(Screen::NotAllowed);
                }
            }
            Input::Callback { data, .. } => match data {
                Callback::Staff(StaffCallback::Summary(page)) => self.summary(*page),
                Callback::Staff(StaffCallback::Export(format)) if admin => {
                    let asked = match &self.state {
                        State::Confirming {
                            action: Pending::Exports { asked },
                        } => Some(asked.clone()),
                        State::Confirming {
                            action: Pending::Export,
                        } => Some(Vec::new()),
                        _ => None,
                    };
                    match asked {
                        // Each format of the menu builds its file once: the first tap.
                        Some(mut asked) if !asked.contains(format) => {
                            asked.push(*format);
                            self.state = State::Confirming {
                                action: Pending::Exports { asked },
                            };
                            self.notice = Some(Notice::Preparing);
                            self.tasks.push(Task::Export(*format));
                        }
                        Some(_) => self.notice = Some(Notice::AlreadyDone),
                        // The menu is over (another screen came since): /export again.
                        None => self.notice = Some(Notice::Outdated),
                    }
                }
                Callback::Staff(StaffCallback::Report(format, lang)) if admin => {
                    let asked = match &self.state {
                        State::Confirming {
                            action: Pending::Reports { asked },
                        } => Some(asked.clone()),
                        _ => None,
                    };
                    let choice = (*format, *lang);
                    match asked {
                        // Each button of the menu builds its file once: the first tap.
                        Some(mut asked) if !asked.contains(&choice) => {
                            asked.push(choice);
                            self.state = State::Confirming {
                                action: Pending::Reports { asked },
                            };
                            self.notice = Some(Notice::Preparing);
                            self.tasks.push(Task::Report {
                                format: *format,
                                lang: *lang,
                            });
                        }
                        Some(_) => self.notice = Some(Notice::AlreadyDone),
                        None => self.notice = Some(Notice::Outdated),
                    }
                }
                Callback::Staff(StaffCallback::Window(open)) if admin => {
                    // The button reopens until the end date it had, when that is still to come.
                    let arg = match (*open, self.facts.window.until) {
                        (true, Some(until)) if until > now => WindowArg::Open(Some(until)),
                        (true, _) => WindowArg::Open(None),
                        (false, _) => WindowArg::Close,
                    };
                    self.window(&arg, now);
                }
                Callback::Staff(StaffCallback::AnnounceTo(to)) if admin => {
                    let audience = to.map_or(Audience::All, Audience::Constituency);
                    self.announce_draft(AnnounceDraft {
                        audience: Some(audience),
                        text: None,
                    });
                }
                Callback::Staff(StaffCallback::FocalMove { user_id, org }) if admin => {
                    // Only someone who is another organisation's focal point is ever asked
                    // about: a forged id, or a move already made, changes nothing.
                    let now_with = self
                        .focal_point_list()
                        .into_iter()
                        .find(|f| f.member_id == *user_id)
                        .map(|f| f.org_code);
                    match (Org::find(org, self.facts.organisations), now_with) {
                        _ if !self.facts.loaded.focal_points => {}
                        (Some(found), Some(with)) if with == found.code => {
                            self.notice = Some(Notice::AlreadyDone);
                            self.show(Screen::Staff(StaffScreen::FocalAlready {
                                user_id: *user_id,
                                org: found,
                            }))
                        }
                        (Some(found), Some(_)) => self.make_focal(*user_id, found),
                        _ => {
                            self.notice = Some(Notice::Outdated);
                            self.show(Screen::Staff(StaffScreen::FocalUsage));
                        }
                    }
                }
                Callback::Staff(StaffCallback::AnnounceEdit(shown)) if admin => {
                    match self.state.clone() {
                        State::Announce { draft } if draft.fingerprint() == *shown => self
                            .announce_draft(AnnounceDraft {
                                text: None,
                                ..draft
                            }),
                        State::Announce { .. } => self.notice = Some(Notice::PreviewOutdated),
                        _ => self.announce_over(),
                    }
                }
                Callback::Staff(StaffCallback::AnnounceSend(shown)) if admin => {
                    match self.state.clone() {
                        // Sends the draft the tapped preview showed, never a newer one.
                        State::Announce { draft } if draft.fingerprint() != *shown => {
                            self.notice = Some(Notice::PreviewOutdated)
                        }
                        State::Announce {
                            draft:
                                AnnounceDraft {
                                    audience: Some(audience),
                                    text: Some(text),
                                },
                        } => {
                            self.state = State::Menu;
                            self.notice = Some(Notice::Sending);
                            // Audited when queued, with the audience and the number of members.
                            let recipients = self.audience_size(&audience);
                            self.show(Screen::Staff(StaffScreen::AnnounceQueued {
                                audience: audience.clone(),
                                recipients,
                            }));
                            self.tasks.push(Task::Announce { audience, text });
                        }
                        _ => self.announce_over(),
                    }
                }
                Callback::Staff(StaffCallback::Export(_))
                | Callback::Staff(StaffCallback::Report(..))
                | Callback::Staff(StaffCallback::FocalMove { .. })
                | Callback::Staff(StaffCallback::Window(_))
                | Callback::Staff(StaffCallback::AnnounceTo(_))
                | Callback::Staff(StaffCallback::AnnounceEdit(_))
                | Callback::Staff(StaffCallback::AnnounceSend(_)) => {
                    self.notice = Some(Notice::Outdated);
                    self.show(Screen::NotAllowed);
                }
                _ => return false,
            },
            _ => return false,
        }
        true
    }

    /// Asks the first question the announcement has no answer for, or shows the preview.
    fn announce_draft(&mut self, draft: AnnounceDraft) {
        let screen = match (&draft.audience, &draft.text) {
            (None, _) => Screen::Staff(StaffScreen::AskAnnounceAudience),
            (Some(audience), None) => Screen::Staff(StaffScreen::AskAnnounceText {
                audience: audience.clone(),
            }),
            (Some(audience), Some(text)) => Screen::Staff(StaffScreen::AnnouncePreview {
                audience: audience.clone(),
                text: text.clone(),
                recipients: self.audience_size(audience),
            }),
        };
        self.state = State::Announce { draft };
        self.show(screen);
    }

    /// A typed answer: the audience (`org:CODE`), or the text (again, to change it).
    fn announce_answer(&mut self, mut draft: AnnounceDraft, text: &str) {
        if draft.audience.is_none() {
            match Audience::parse(text) {
                Ok(audience) => draft.audience = self.known_audience(audience),
                Err(_) => self.banner = Some(Banner::AnnounceAudienceInvalid),
            }
        } else {
            let text = text.trim();
            let chars = text.chars().count();
            if (1..=MAX_ANNOUNCEMENT_CHARS).contains(&chars) {
                draft.text = Some(text.to_string());
            } else {
                self.banner = Some(Banner::AnnounceTextInvalid);
            }
        }
        self.announce_draft(draft);
    }

    /// The audience with its organisation looked up; an unknown one is refused with the list of
    /// known codes, and the audience asked again.
    pub(super) fn known_audience(&mut self, audience: Audience) -> Option<Audience> {
        match audience.resolve(self.facts.organisations) {
            Ok(audience) => Some(audience),
            Err(unknown) => {
                self.placement = Placement::New;
                self.show(Screen::Staff(StaffScreen::UnknownOrganisation {
                    code: unknown.0,
                    known: crate::domain::Org::codes(self.facts.organisations),
                }));
                None
            }
        }
    }

    /// A button of an announcement already sent or dropped: nothing is sent twice, and the
    /// message it is on (perhaps the "queued" one) stays as it is.
    fn announce_over(&mut self) {
        self.notice = Some(Notice::AnnouncementOver);
    }

    /// Admins only: everyone else gets a polite refusal and nothing happens.
    fn summary(&mut self, page: u8) {
        if !self.facts.loaded.summary {
            self.needs.summary = true;
        }
        match (self.facts.summary.clone(), self.facts.is_admin) {
            (Some(summary), true) => {
                let pages = self.facts.plan.priorities.len() as u8 + 1;
                let page = page.min(pages - 1);
                self.effect(Effect::Audit {
                    action: "summary",
                    detail: format!("page {page}"),
                    subject: None,
                });
                if page == 0 && self.placement == Placement::New {
                    // The chart comes with the summary asked for, not with every page turn.
                    self.tasks.push(Task::Chart(summary.clone()));
                }
                // The totals page names the monitoring round of the moment, when there is one.
                let round = if page == 0 {
                    if !self.facts.loaded.latest_round {
                        self.needs.latest_round = true;
                    }
                    self.facts.latest_round.clone().map(Box::new)
                } else {
                    None
                };
                self.show(Screen::Staff(StaffScreen::Summary {
                    summary,
                    page,
                    round,
                }));
            }
            _ => {
                self.notice = Some(Notice::Outdated);
                self.show(Screen::NotAllowed);
            }
        }
    }

    fn window(&mut self, arg: &WindowArg, now: DateTime<Utc>) {
        let window = match arg {
            WindowArg::Show => self.facts.window,
            WindowArg::Invalid => return self.show(Screen::Staff(StaffScreen::WindowUsage)),
            WindowArg::Open(Some(until)) if *until <= now => {
                return self.show(Screen::Staff(StaffScreen::WindowUsage))
            }
            WindowArg::Open(until) => crate::domain::Window {
                open: true,
                until: *until,
                changed_at: now,
            },
            // The end date is kept, for the button that opens it again.
            WindowArg::Close => crate::domain::Window {
                open: false,
                until: self.facts.window.until,
                changed_at: now,
            },
        };
        let unchanged = window.open == self.facts.window.is_open(now)
            && (!window.open || window.until == self.facts.window.until);
        if *arg != WindowArg::Show && unchanged {
            // Tapped twice, or asked for what already is: said, not written again.
            self.notice = Some(Notice::AlreadyDone);
            return self.show(Screen::Staff(StaffScreen::WindowAlready {
                window: self.facts.window,
                now,
            }));
        }
        if *arg != WindowArg::Show {
            self.effect(Effect::SetWindow(window));
            self.effect(Effect::Audit {
                action: "window",
                detail: window.audit_detail(),
                subject: None,
            });
        }
        self.show(Screen::Staff(StaffScreen::WindowAdmin { window, now }));
    }

    /// Every admin (noted as needed when not loaded).
    fn admin_list(&mut self) -> Vec<crate::domain::AdminRole> {
        if !self.facts.loaded.admins {
            self.needs.admins = true;
        }
        self.facts.admins.clone().unwrap_or_default()
    }

    /// Every focal point (noted as needed when not loaded).
    fn focal_point_list(&mut self) -> Vec<crate::domain::FocalPoint> {
        if !self.facts.loaded.focal_points {
            self.needs.focal_points = true;
        }
        self.facts.focal_points.clone().unwrap_or_default()
    }

    fn admin(&mut self, arg: &AdminArg) {
        match *arg {
            AdminArg::Usage => {
                let admins = self.admin_list();
                self.show(Screen::Staff(StaffScreen::AdminUsage { admins }))
            }
            AdminArg::Remove(id) if id == self.facts.chat_id => {
                self.show(Screen::Staff(StaffScreen::AdminNotSelf))
            }
            AdminArg::Add(user_id) | AdminArg::Remove(user_id) => {
                let added = matches!(arg, AdminArg::Add(_));
                let now = self.admin_list().into_iter().find(|a| a.user_id == user_id);
                let unchanged = match (added, now) {
                    (true, Some(_)) => Some(AdminUnchanged::Already),
                    (false, None) => Some(AdminUnchanged::NotAnAdmin),
                    (false, Some(a)) if a.from_environment => Some(AdminUnchanged::FromEnvironment),
                    _ => None,
                };
                if let Some(why) = unchanged {
                    return self.show(Screen::Staff(StaffScreen::AdminUnchanged { user_id, why }));
                }
                self.effect(if added {
                    Effect::AddAdmin(user_id)
                } else {
                    Effect::RemoveAdmin(user_id)
                });
                self.effect(Effect::Audit {
                    action: if added { "admin-add" } else { "admin-remove" },
                    detail: user_id.to_string(),
                    subject: Some(user_id),
                });
                self.tasks.push(Task::RefreshMenu(user_id));
                self.show(Screen::Staff(StaffScreen::AdminChanged { user_id, added }));
            }
        }
    }

    fn focal(&mut self, arg: &FocalArg) {
        match arg {
            FocalArg::Usage => self.show(Screen::Staff(StaffScreen::FocalUsage)),
            FocalArg::List => {
                let list = self.focal_point_list();
                self.show(Screen::Staff(StaffScreen::FocalPoints { list }))
            }
            FocalArg::Add { org, user_id } => {
                let Some(found) = Org::find(org, self.facts.organisations) else {
                    return self.show(Screen::Staff(StaffScreen::FocalUsage));
                };
                let now = self
                    .focal_point_list()
                    .into_iter()
                    .find(|f| f.member_id == *user_id)
                    .map(|f| f.org_code);
                match now {
                    Some(same) if same == found.code => {
                        self.show(Screen::Staff(StaffScreen::FocalAlready {
                            user_id: *user_id,
                            org: found,
                        }))
                    }
                    // Moving someone from one organisation to another is asked first.
                    Some(from) => self.show(Screen::Staff(StaffScreen::ConfirmFocalMove {
                        user_id: *user_id,
                        from,
                        to: found,
                    })),
                    None => self.make_focal(*user_id, found),
                }
            }
            FocalArg::Remove(user_id) => {
                let is_focal = self
                    .focal_point_list()
                    .iter()
                    .any(|f| f.member_id == *user_id);
                if !is_focal {
                    return self.show(Screen::Staff(StaffScreen::NotFocal { user_id: *user_id }));
                }
                self.effect(Effect::RemoveCoordinator(*user_id));
                self.effect(Effect::Audit {
                    action: "coordinator-remove",
                    detail: user_id.to_string(),
                    subject: Some(*user_id),
                });
                self.tasks.push(Task::RefreshMenu(*user_id));
                self.show(Screen::Staff(StaffScreen::FocalChanged {
                    user_id: *user_id,
                    org: None,
                }));
            }
        }
    }

    fn make_focal(&mut self, user_id: i64, found: Org) {
        self.effect(Effect::AddCoordinator {
            org: found.code.clone(),
            user_id,
        });
        self.effect(Effect::Audit {
            action: "coordinator-add",
            detail: format!("{user_id} for {}", found.code),
            subject: Some(user_id),
        });
        self.tasks.push(Task::RefreshMenu(user_id));
        self.show(Screen::Staff(StaffScreen::FocalChanged {
            user_id,
            org: Some(found),
        }));
    }

    fn plan_upload(&mut self, doc: &DocumentIn) {
        if doc.size_bytes as usize > crate::domain::plan::MAX_PLAN_FILE_BYTES {
            self.show(Screen::Staff(StaffScreen::FileTooLarge));
        } else {
            self.tasks.push(Task::ImportPlan {
                file_id: doc.file_id.clone(),
                file_name: doc.file_name.clone(),
            });
        }
    }
}
