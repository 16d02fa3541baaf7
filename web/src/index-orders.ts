import { wireOrdersTexts } from './orders-i18n.ts';

// The landing page's link to the repair-orders page (its words live in orders-i18n.ts).
wireOrdersTexts();
