import { describe, expect, it } from 'vitest';
import { alertMail } from './alert-notices.ts';

const alert = {
  id: 'a1',
  deviceId: 'd1',
  category: 'air_conditioner',
  model: 'KFR-35GW',
  modeName: '压缩机磨损 / compressor wear',
  component: 'compressor',
  severity: 'major',
  detectedAt: '2026-03-02T02:00:00.000Z',
  predictedFailure: {
    at: '2026-03-23T02:00:00.000Z',
    earliest: '2026-03-16T00:00:00Z',
    latest: null,
  },
  action: { zh: '预约检查压缩机。', en: 'Book a compressor check.' },
};

describe('the owner’s mail about a predictive alert', () => {
  it('says what may fail and when, where to book a check, and that it is free when the rules say so', () => {
    const m = alertMail(
      alert,
      { serial: 'AC-1', model: 'KFR-35GW' },
      [{ name: '格力授权站', address: '石家庄中山路 1 号', servicePhone: '400-800-1234' }],
      { clause: 'P95 Art. 10' },
      'http://sanbao.test/owner.html?serial=AC-1',
    );
    expect(m.subject).toBe(
      '【三包】您的产品可能需要检修：压缩机磨损 / compressor wear / Your unit may need a check: 压缩机磨损 / compressor wear',
    );
    expect(m.text).toContain('预计约 3 周内可能失效');
    expect(m.text).toContain('It may fail in about 3 week(s)');
    expect(m.text).toContain('  - 格力授权站，石家庄中山路 1 号，400-800-1234');
    expect(m.text).toContain('现在检修免费（P95 Art. 10）');
    expect(m.text.endsWith('http://sanbao.test/owner.html?serial=AC-1')).toBe(true);
  });

  it('without a prediction or a free repair it says neither', () => {
    const m = alertMail(
      { ...alert, predictedFailure: null },
      { serial: 'AC-1', model: 'M' },
      [],
      undefined,
      'x',
    );
    expect(m.text).not.toMatch(/周内|weeks?\)|免费|free/);
  });

  it('names the mode and component in each language when the alert keeps both', () => {
    const m = alertMail(
      {
        ...alert,
        modeName: 'compressor_wear',
        names: {
          mode: { zh: '压缩机磨损', en: 'compressor wear' },
          component: { zh: '压缩机', en: 'compressor' },
        },
      },
      { serial: 'AC-1', model: 'KFR-35GW' },
      [],
      undefined,
      'x',
    );
    expect(m.subject).toBe(
      '【三包】您的产品可能需要检修：压缩机磨损 / Your unit may need a check: compressor wear',
    );
    expect(m.text).toContain('可能出现故障：压缩机磨损（部件：压缩机）');
    expect(m.text).toContain('(AC-1, KFR-35GW): compressor wear (component: compressor)');
  });
});
