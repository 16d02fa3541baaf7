import { wireAdminTexts } from './admin-i18n.ts';

// The landing page's link to the admin page (its words live in admin-i18n.ts).
wireAdminTexts();
