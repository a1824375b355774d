/** The price table: dated ids, unknown models, the long-prompt tier of Haiku 5.5. */
import assert from 'node:assert/strict';
import { costOf, priceFor } from '../../src/llm/prices';

const usage = (inputTokens: number, outputTokens: number, cacheWriteTokens = 0, cacheReadTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheWriteTokens,
  cacheReadTokens,
});

describe('prices', () => {
  it('resolves dated snapshot ids to their model', () => {
    assert.equal(priceFor('claude-sonnet-4-5-20250929')?.id, 'claude-sonnet-4-5');
    assert.equal(priceFor('claude-opus-4-5-20251101')?.id, 'claude-opus-4-5');
    assert.equal(priceFor('claude-haiku-4-5-20251001')?.id, 'claude-haiku-4-5');
    assert.equal(priceFor('claude-opus-4-20250514')?.id, 'claude-opus-4');
    assert.equal(priceFor('claude-sonnet-5-5')?.id, 'claude-sonnet-5-5');
  });

  it('does not guess a price for an unknown model, even one that starts like a known id', () => {
    for (const model of ['claude-sonnet-5-7', 'claude-opus-4-9', 'gpt-5', 'claude-sonnet-4-5-beta']) {
      assert.equal(priceFor(model), undefined, model);
      const cost = costOf(model, usage(1000, 1000));
      assert.equal(cost.usd, 0);
      assert.equal(cost.priced, false);
      assert.match(cost.warning ?? '', new RegExp(`No price known for model '${model}'`));
    }
  });

  it('charges input, output, 5-minute cache writes and cache reads at their own rates', () => {
    // Sonnet 4.5: $3 in, $15 out, $3.75 cache write, $0.30 cache read per million tokens.
    const cost = costOf('claude-sonnet-4-5-20250929', usage(1_000_000, 100_000, 200_000, 2_000_000));
    assert.ok(Math.abs(cost.usd - (3 + 1.5 + 0.75 + 0.6)) < 1e-9, String(cost.usd));
    assert.equal(cost.priced, true);
    assert.equal(cost.warning, null);
    // Opus 4.5 and later cost a third of Opus 4.1.
    assert.ok(Math.abs(costOf('claude-opus-4-5', usage(1_000_000, 0)).usd - 5) < 1e-9);
    assert.ok(Math.abs(costOf('claude-opus-4-1', usage(1_000_000, 0)).usd - 15) < 1e-9);
    assert.ok(Math.abs(costOf('claude-haiku-4-5', usage(0, 1_000_000)).usd - 5) < 1e-9);
  });

  it('bills a Haiku 5.5 prompt over 100k tokens at the long-prompt rates, output included', () => {
    const short = costOf('claude-haiku-5-5', usage(100_000, 1_000_000));
    const long = costOf('claude-haiku-5-5', usage(90_000, 1_000_000, 0, 20_000));
    assert.ok(Math.abs(short.usd - (0.01 + 0.5)) < 1e-9, String(short.usd));
    assert.ok(Math.abs(long.usd - (0.045 + 2.5 + 0.001)) < 1e-9, String(long.usd));
  });
});
