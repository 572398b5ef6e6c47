package dev.auditline.api;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * {@link PlainObjectTextTest}'s property with the fuzzer choosing the text: {@link EventData#parse}
 * (one-pass compaction where it applies) and the token copy give the same object or the same error.
 */
class PlainObjectTextFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void parseAgreesWithTheCopy(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        PlainObjectTextTest.assertSame(text);
        // the same text as PostgreSQL would print it around an object, which the fast path is for
        PlainObjectTextTest.assertSame("{\"k\": " + text + "}");
    }
}
