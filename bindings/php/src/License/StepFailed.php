<?php

declare(strict_types=1);

namespace Resale\License;

use Resale\LicenseError;

/**
 * A step of a license plan failed; the steps after it were not run.
 *
 * getErrorCode(): `ka.transport` (no HTTP answer), `ka.status` (another
 * HTTP status than the step expects), `ka.result_code` (a v1 resultCode
 * that is not a success), `ka.answer_invalid` (an answer the step cannot
 * read), `ka.placeholder` (a `{{…}}` no earlier answer fills), or a code
 * of the engine (`license.upgrade.already`, …). getField() and getStep()
 * name the step. The message never carries the credentials.
 */
final class StepFailed extends LicenseError
{
    /**
     * @param array<string, array<string, mixed>> $done the answers of the steps that succeeded
     */
    public function __construct(
        string $code,
        private string $step,
        string $message,
        private ?int $httpStatus = null,
        private array $done = [],
        ?\Throwable $previous = null,
    ) {
        parent::__construct($code, "step `{$step}`: {$message}", $step, -1, 0, $previous);
    }

    /** The id of the step that failed (`extension-key:wp-toolkit`, …). */
    public function getStep(): string
    {
        return $this->step;
    }

    /** KA's HTTP status, when it answered. */
    public function getHttpStatus(): ?int
    {
        return $this->httpStatus;
    }

    /**
     * The answers of the steps that ran before this one, by step id: what
     * KA has already done (a shop records them before retrying).
     *
     * @return array<string, array<string, mixed>>
     */
    public function getCompleted(): array
    {
        return $this->done;
    }
}
