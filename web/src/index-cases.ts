import { wireCaseTexts } from './cases-i18n.ts';

// The landing page's links to the case pages (their words live in cases-i18n.ts).
wireCaseTexts();
