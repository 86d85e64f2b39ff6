// TODO(#5): guided enrollment page.
document.title = 'Authdesk enrollment';
