import { wireAdminTexts } from './admin-i18n.ts';
import { wireMakerTexts } from './maker-i18n.ts';

// The landing page's links to the admin and maker pages (their words live in admin-i18n.ts and
// maker-i18n.ts).
wireAdminTexts();
wireMakerTexts();
