<?php

declare(strict_types=1);

namespace Resale;

/** panel.ini for a policy. */
final class PanelIni
{
    /**
     * The `[extensions]` section of panel.ini: `buyUrl`, and the catalog
     * proxy's URL when `$catalogUrl` is given.
     *
     * @throws InvalidInput when `$catalogUrl` is refused
     */
    public static function render(Policy $policy, ?string $catalogUrl = null): string
    {
        $status = $policy->lib->ffi->resale_panel_ini(
            $policy->handle,
            $catalogUrl,
            $catalogUrl === null ? 0 : \strlen($catalogUrl),
            $policy->bufAddr,
            $policy->errAddr,
        );
        return $policy->fill($status);
    }
}
