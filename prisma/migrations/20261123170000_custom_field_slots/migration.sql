-- Typed slot columns for custom field values (see src/modules/custom-fields/slots.ts and the
-- README's "Custom field storage"): each filterable field owns one column of its type's pool.

-- AlterTable
ALTER TABLE "CustomField" ADD COLUMN "slot" TEXT;

-- AlterTable
ALTER TABLE "Company" ADD COLUMN "cfText1" TEXT,
ADD COLUMN "cfText2" TEXT,
ADD COLUMN "cfText3" TEXT,
ADD COLUMN "cfText4" TEXT,
ADD COLUMN "cfText5" TEXT,
ADD COLUMN "cfText6" TEXT,
ADD COLUMN "cfText7" TEXT,
ADD COLUMN "cfText8" TEXT,
ADD COLUMN "cfText9" TEXT,
ADD COLUMN "cfText10" TEXT,
ADD COLUMN "cfText11" TEXT,
ADD COLUMN "cfText12" TEXT,
ADD COLUMN "cfOption1" INTEGER,
ADD COLUMN "cfOption2" INTEGER,
ADD COLUMN "cfOption3" INTEGER,
ADD COLUMN "cfOption4" INTEGER,
ADD COLUMN "cfOption5" INTEGER,
ADD COLUMN "cfOption6" INTEGER,
ADD COLUMN "cfOption7" INTEGER,
ADD COLUMN "cfOption8" INTEGER,
ADD COLUMN "cfOptions1" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions2" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions3" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions4" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfNumber1" DECIMAL(65,10),
ADD COLUMN "cfNumber2" DECIMAL(65,10),
ADD COLUMN "cfNumber3" DECIMAL(65,10),
ADD COLUMN "cfNumber4" DECIMAL(65,10),
ADD COLUMN "cfNumber5" DECIMAL(65,10),
ADD COLUMN "cfNumber6" DECIMAL(65,10),
ADD COLUMN "cfNumber7" DECIMAL(65,10),
ADD COLUMN "cfNumber8" DECIMAL(65,10),
ADD COLUMN "cfNumber9" DECIMAL(65,10),
ADD COLUMN "cfNumber10" DECIMAL(65,10),
ADD COLUMN "cfDate1" DATE,
ADD COLUMN "cfDate2" DATE,
ADD COLUMN "cfDate3" DATE,
ADD COLUMN "cfDate4" DATE,
ADD COLUMN "cfDate5" DATE,
ADD COLUMN "cfDate6" DATE,
ADD COLUMN "cfDateTime1" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime2" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime3" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime4" TIMESTAMPTZ(3),
ADD COLUMN "cfBool1" BOOLEAN,
ADD COLUMN "cfBool2" BOOLEAN,
ADD COLUMN "cfBool3" BOOLEAN,
ADD COLUMN "cfBool4" BOOLEAN;

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN "cfText1" TEXT,
ADD COLUMN "cfText2" TEXT,
ADD COLUMN "cfText3" TEXT,
ADD COLUMN "cfText4" TEXT,
ADD COLUMN "cfText5" TEXT,
ADD COLUMN "cfText6" TEXT,
ADD COLUMN "cfText7" TEXT,
ADD COLUMN "cfText8" TEXT,
ADD COLUMN "cfText9" TEXT,
ADD COLUMN "cfText10" TEXT,
ADD COLUMN "cfText11" TEXT,
ADD COLUMN "cfText12" TEXT,
ADD COLUMN "cfOption1" INTEGER,
ADD COLUMN "cfOption2" INTEGER,
ADD COLUMN "cfOption3" INTEGER,
ADD COLUMN "cfOption4" INTEGER,
ADD COLUMN "cfOption5" INTEGER,
ADD COLUMN "cfOption6" INTEGER,
ADD COLUMN "cfOption7" INTEGER,
ADD COLUMN "cfOption8" INTEGER,
ADD COLUMN "cfOptions1" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions2" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions3" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions4" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfNumber1" DECIMAL(65,10),
ADD COLUMN "cfNumber2" DECIMAL(65,10),
ADD COLUMN "cfNumber3" DECIMAL(65,10),
ADD COLUMN "cfNumber4" DECIMAL(65,10),
ADD COLUMN "cfNumber5" DECIMAL(65,10),
ADD COLUMN "cfNumber6" DECIMAL(65,10),
ADD COLUMN "cfNumber7" DECIMAL(65,10),
ADD COLUMN "cfNumber8" DECIMAL(65,10),
ADD COLUMN "cfNumber9" DECIMAL(65,10),
ADD COLUMN "cfNumber10" DECIMAL(65,10),
ADD COLUMN "cfDate1" DATE,
ADD COLUMN "cfDate2" DATE,
ADD COLUMN "cfDate3" DATE,
ADD COLUMN "cfDate4" DATE,
ADD COLUMN "cfDate5" DATE,
ADD COLUMN "cfDate6" DATE,
ADD COLUMN "cfDateTime1" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime2" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime3" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime4" TIMESTAMPTZ(3),
ADD COLUMN "cfBool1" BOOLEAN,
ADD COLUMN "cfBool2" BOOLEAN,
ADD COLUMN "cfBool3" BOOLEAN,
ADD COLUMN "cfBool4" BOOLEAN;

-- AlterTable
ALTER TABLE "Deal" ADD COLUMN "cfText1" TEXT,
ADD COLUMN "cfText2" TEXT,
ADD COLUMN "cfText3" TEXT,
ADD COLUMN "cfText4" TEXT,
ADD COLUMN "cfText5" TEXT,
ADD COLUMN "cfText6" TEXT,
ADD COLUMN "cfText7" TEXT,
ADD COLUMN "cfText8" TEXT,
ADD COLUMN "cfText9" TEXT,
ADD COLUMN "cfText10" TEXT,
ADD COLUMN "cfText11" TEXT,
ADD COLUMN "cfText12" TEXT,
ADD COLUMN "cfOption1" INTEGER,
ADD COLUMN "cfOption2" INTEGER,
ADD COLUMN "cfOption3" INTEGER,
ADD COLUMN "cfOption4" INTEGER,
ADD COLUMN "cfOption5" INTEGER,
ADD COLUMN "cfOption6" INTEGER,
ADD COLUMN "cfOption7" INTEGER,
ADD COLUMN "cfOption8" INTEGER,
ADD COLUMN "cfOptions1" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions2" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions3" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfOptions4" UUID[] DEFAULT ARRAY[]::UUID[] NOT NULL,
ADD COLUMN "cfNumber1" DECIMAL(65,10),
ADD COLUMN "cfNumber2" DECIMAL(65,10),
ADD COLUMN "cfNumber3" DECIMAL(65,10),
ADD COLUMN "cfNumber4" DECIMAL(65,10),
ADD COLUMN "cfNumber5" DECIMAL(65,10),
ADD COLUMN "cfNumber6" DECIMAL(65,10),
ADD COLUMN "cfNumber7" DECIMAL(65,10),
ADD COLUMN "cfNumber8" DECIMAL(65,10),
ADD COLUMN "cfNumber9" DECIMAL(65,10),
ADD COLUMN "cfNumber10" DECIMAL(65,10),
ADD COLUMN "cfDate1" DATE,
ADD COLUMN "cfDate2" DATE,
ADD COLUMN "cfDate3" DATE,
ADD COLUMN "cfDate4" DATE,
ADD COLUMN "cfDate5" DATE,
ADD COLUMN "cfDate6" DATE,
ADD COLUMN "cfDateTime1" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime2" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime3" TIMESTAMPTZ(3),
ADD COLUMN "cfDateTime4" TIMESTAMPTZ(3),
ADD COLUMN "cfBool1" BOOLEAN,
ADD COLUMN "cfBool2" BOOLEAN,
ADD COLUMN "cfBool3" BOOLEAN,
ADD COLUMN "cfBool4" BOOLEAN;

-- CreateIndex
CREATE UNIQUE INDEX "CustomField_workspaceId_entityType_slot_key" ON "CustomField"("workspaceId", "entityType", "slot");

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText1_id_idx" ON "Company"("workspaceId", "cfText1", "id") WHERE "cfText1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText2_id_idx" ON "Company"("workspaceId", "cfText2", "id") WHERE "cfText2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText3_id_idx" ON "Company"("workspaceId", "cfText3", "id") WHERE "cfText3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText4_id_idx" ON "Company"("workspaceId", "cfText4", "id") WHERE "cfText4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText5_id_idx" ON "Company"("workspaceId", "cfText5", "id") WHERE "cfText5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText6_id_idx" ON "Company"("workspaceId", "cfText6", "id") WHERE "cfText6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText7_id_idx" ON "Company"("workspaceId", "cfText7", "id") WHERE "cfText7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText8_id_idx" ON "Company"("workspaceId", "cfText8", "id") WHERE "cfText8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText9_id_idx" ON "Company"("workspaceId", "cfText9", "id") WHERE "cfText9" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText10_id_idx" ON "Company"("workspaceId", "cfText10", "id") WHERE "cfText10" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText11_id_idx" ON "Company"("workspaceId", "cfText11", "id") WHERE "cfText11" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfText12_id_idx" ON "Company"("workspaceId", "cfText12", "id") WHERE "cfText12" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption1_id_idx" ON "Company"("workspaceId", "cfOption1", "id") WHERE "cfOption1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption2_id_idx" ON "Company"("workspaceId", "cfOption2", "id") WHERE "cfOption2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption3_id_idx" ON "Company"("workspaceId", "cfOption3", "id") WHERE "cfOption3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption4_id_idx" ON "Company"("workspaceId", "cfOption4", "id") WHERE "cfOption4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption5_id_idx" ON "Company"("workspaceId", "cfOption5", "id") WHERE "cfOption5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption6_id_idx" ON "Company"("workspaceId", "cfOption6", "id") WHERE "cfOption6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption7_id_idx" ON "Company"("workspaceId", "cfOption7", "id") WHERE "cfOption7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfOption8_id_idx" ON "Company"("workspaceId", "cfOption8", "id") WHERE "cfOption8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_cfOptions1_idx" ON "Company" USING GIN ("cfOptions1");

-- CreateIndex
CREATE INDEX "Company_cfOptions2_idx" ON "Company" USING GIN ("cfOptions2");

-- CreateIndex
CREATE INDEX "Company_cfOptions3_idx" ON "Company" USING GIN ("cfOptions3");

-- CreateIndex
CREATE INDEX "Company_cfOptions4_idx" ON "Company" USING GIN ("cfOptions4");

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber1_id_idx" ON "Company"("workspaceId", "cfNumber1", "id") WHERE "cfNumber1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber2_id_idx" ON "Company"("workspaceId", "cfNumber2", "id") WHERE "cfNumber2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber3_id_idx" ON "Company"("workspaceId", "cfNumber3", "id") WHERE "cfNumber3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber4_id_idx" ON "Company"("workspaceId", "cfNumber4", "id") WHERE "cfNumber4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber5_id_idx" ON "Company"("workspaceId", "cfNumber5", "id") WHERE "cfNumber5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber6_id_idx" ON "Company"("workspaceId", "cfNumber6", "id") WHERE "cfNumber6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber7_id_idx" ON "Company"("workspaceId", "cfNumber7", "id") WHERE "cfNumber7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber8_id_idx" ON "Company"("workspaceId", "cfNumber8", "id") WHERE "cfNumber8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber9_id_idx" ON "Company"("workspaceId", "cfNumber9", "id") WHERE "cfNumber9" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfNumber10_id_idx" ON "Company"("workspaceId", "cfNumber10", "id") WHERE "cfNumber10" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDate1_id_idx" ON "Company"("workspaceId", "cfDate1", "id") WHERE "cfDate1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDate2_id_idx" ON "Company"("workspaceId", "cfDate2", "id") WHERE "cfDate2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDate3_id_idx" ON "Company"("workspaceId", "cfDate3", "id") WHERE "cfDate3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDate4_id_idx" ON "Company"("workspaceId", "cfDate4", "id") WHERE "cfDate4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDate5_id_idx" ON "Company"("workspaceId", "cfDate5", "id") WHERE "cfDate5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDate6_id_idx" ON "Company"("workspaceId", "cfDate6", "id") WHERE "cfDate6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDateTime1_id_idx" ON "Company"("workspaceId", "cfDateTime1", "id") WHERE "cfDateTime1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDateTime2_id_idx" ON "Company"("workspaceId", "cfDateTime2", "id") WHERE "cfDateTime2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDateTime3_id_idx" ON "Company"("workspaceId", "cfDateTime3", "id") WHERE "cfDateTime3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfDateTime4_id_idx" ON "Company"("workspaceId", "cfDateTime4", "id") WHERE "cfDateTime4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfBool1_id_idx" ON "Company"("workspaceId", "cfBool1", "id") WHERE "cfBool1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfBool2_id_idx" ON "Company"("workspaceId", "cfBool2", "id") WHERE "cfBool2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfBool3_id_idx" ON "Company"("workspaceId", "cfBool3", "id") WHERE "cfBool3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Company_workspaceId_cfBool4_id_idx" ON "Company"("workspaceId", "cfBool4", "id") WHERE "cfBool4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText1_id_idx" ON "Contact"("workspaceId", "cfText1", "id") WHERE "cfText1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText2_id_idx" ON "Contact"("workspaceId", "cfText2", "id") WHERE "cfText2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText3_id_idx" ON "Contact"("workspaceId", "cfText3", "id") WHERE "cfText3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText4_id_idx" ON "Contact"("workspaceId", "cfText4", "id") WHERE "cfText4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText5_id_idx" ON "Contact"("workspaceId", "cfText5", "id") WHERE "cfText5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText6_id_idx" ON "Contact"("workspaceId", "cfText6", "id") WHERE "cfText6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText7_id_idx" ON "Contact"("workspaceId", "cfText7", "id") WHERE "cfText7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText8_id_idx" ON "Contact"("workspaceId", "cfText8", "id") WHERE "cfText8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText9_id_idx" ON "Contact"("workspaceId", "cfText9", "id") WHERE "cfText9" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText10_id_idx" ON "Contact"("workspaceId", "cfText10", "id") WHERE "cfText10" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText11_id_idx" ON "Contact"("workspaceId", "cfText11", "id") WHERE "cfText11" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfText12_id_idx" ON "Contact"("workspaceId", "cfText12", "id") WHERE "cfText12" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption1_id_idx" ON "Contact"("workspaceId", "cfOption1", "id") WHERE "cfOption1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption2_id_idx" ON "Contact"("workspaceId", "cfOption2", "id") WHERE "cfOption2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption3_id_idx" ON "Contact"("workspaceId", "cfOption3", "id") WHERE "cfOption3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption4_id_idx" ON "Contact"("workspaceId", "cfOption4", "id") WHERE "cfOption4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption5_id_idx" ON "Contact"("workspaceId", "cfOption5", "id") WHERE "cfOption5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption6_id_idx" ON "Contact"("workspaceId", "cfOption6", "id") WHERE "cfOption6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption7_id_idx" ON "Contact"("workspaceId", "cfOption7", "id") WHERE "cfOption7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfOption8_id_idx" ON "Contact"("workspaceId", "cfOption8", "id") WHERE "cfOption8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_cfOptions1_idx" ON "Contact" USING GIN ("cfOptions1");

-- CreateIndex
CREATE INDEX "Contact_cfOptions2_idx" ON "Contact" USING GIN ("cfOptions2");

-- CreateIndex
CREATE INDEX "Contact_cfOptions3_idx" ON "Contact" USING GIN ("cfOptions3");

-- CreateIndex
CREATE INDEX "Contact_cfOptions4_idx" ON "Contact" USING GIN ("cfOptions4");

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber1_id_idx" ON "Contact"("workspaceId", "cfNumber1", "id") WHERE "cfNumber1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber2_id_idx" ON "Contact"("workspaceId", "cfNumber2", "id") WHERE "cfNumber2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber3_id_idx" ON "Contact"("workspaceId", "cfNumber3", "id") WHERE "cfNumber3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber4_id_idx" ON "Contact"("workspaceId", "cfNumber4", "id") WHERE "cfNumber4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber5_id_idx" ON "Contact"("workspaceId", "cfNumber5", "id") WHERE "cfNumber5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber6_id_idx" ON "Contact"("workspaceId", "cfNumber6", "id") WHERE "cfNumber6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber7_id_idx" ON "Contact"("workspaceId", "cfNumber7", "id") WHERE "cfNumber7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber8_id_idx" ON "Contact"("workspaceId", "cfNumber8", "id") WHERE "cfNumber8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber9_id_idx" ON "Contact"("workspaceId", "cfNumber9", "id") WHERE "cfNumber9" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfNumber10_id_idx" ON "Contact"("workspaceId", "cfNumber10", "id") WHERE "cfNumber10" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDate1_id_idx" ON "Contact"("workspaceId", "cfDate1", "id") WHERE "cfDate1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDate2_id_idx" ON "Contact"("workspaceId", "cfDate2", "id") WHERE "cfDate2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDate3_id_idx" ON "Contact"("workspaceId", "cfDate3", "id") WHERE "cfDate3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDate4_id_idx" ON "Contact"("workspaceId", "cfDate4", "id") WHERE "cfDate4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDate5_id_idx" ON "Contact"("workspaceId", "cfDate5", "id") WHERE "cfDate5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDate6_id_idx" ON "Contact"("workspaceId", "cfDate6", "id") WHERE "cfDate6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDateTime1_id_idx" ON "Contact"("workspaceId", "cfDateTime1", "id") WHERE "cfDateTime1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDateTime2_id_idx" ON "Contact"("workspaceId", "cfDateTime2", "id") WHERE "cfDateTime2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDateTime3_id_idx" ON "Contact"("workspaceId", "cfDateTime3", "id") WHERE "cfDateTime3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfDateTime4_id_idx" ON "Contact"("workspaceId", "cfDateTime4", "id") WHERE "cfDateTime4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfBool1_id_idx" ON "Contact"("workspaceId", "cfBool1", "id") WHERE "cfBool1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfBool2_id_idx" ON "Contact"("workspaceId", "cfBool2", "id") WHERE "cfBool2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfBool3_id_idx" ON "Contact"("workspaceId", "cfBool3", "id") WHERE "cfBool3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Contact_workspaceId_cfBool4_id_idx" ON "Contact"("workspaceId", "cfBool4", "id") WHERE "cfBool4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText1_id_idx" ON "Deal"("workspaceId", "cfText1", "id") WHERE "cfText1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText2_id_idx" ON "Deal"("workspaceId", "cfText2", "id") WHERE "cfText2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText3_id_idx" ON "Deal"("workspaceId", "cfText3", "id") WHERE "cfText3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText4_id_idx" ON "Deal"("workspaceId", "cfText4", "id") WHERE "cfText4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText5_id_idx" ON "Deal"("workspaceId", "cfText5", "id") WHERE "cfText5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText6_id_idx" ON "Deal"("workspaceId", "cfText6", "id") WHERE "cfText6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText7_id_idx" ON "Deal"("workspaceId", "cfText7", "id") WHERE "cfText7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText8_id_idx" ON "Deal"("workspaceId", "cfText8", "id") WHERE "cfText8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText9_id_idx" ON "Deal"("workspaceId", "cfText9", "id") WHERE "cfText9" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText10_id_idx" ON "Deal"("workspaceId", "cfText10", "id") WHERE "cfText10" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText11_id_idx" ON "Deal"("workspaceId", "cfText11", "id") WHERE "cfText11" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfText12_id_idx" ON "Deal"("workspaceId", "cfText12", "id") WHERE "cfText12" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption1_id_idx" ON "Deal"("workspaceId", "cfOption1", "id") WHERE "cfOption1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption2_id_idx" ON "Deal"("workspaceId", "cfOption2", "id") WHERE "cfOption2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption3_id_idx" ON "Deal"("workspaceId", "cfOption3", "id") WHERE "cfOption3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption4_id_idx" ON "Deal"("workspaceId", "cfOption4", "id") WHERE "cfOption4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption5_id_idx" ON "Deal"("workspaceId", "cfOption5", "id") WHERE "cfOption5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption6_id_idx" ON "Deal"("workspaceId", "cfOption6", "id") WHERE "cfOption6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption7_id_idx" ON "Deal"("workspaceId", "cfOption7", "id") WHERE "cfOption7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfOption8_id_idx" ON "Deal"("workspaceId", "cfOption8", "id") WHERE "cfOption8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_cfOptions1_idx" ON "Deal" USING GIN ("cfOptions1");

-- CreateIndex
CREATE INDEX "Deal_cfOptions2_idx" ON "Deal" USING GIN ("cfOptions2");

-- CreateIndex
CREATE INDEX "Deal_cfOptions3_idx" ON "Deal" USING GIN ("cfOptions3");

-- CreateIndex
CREATE INDEX "Deal_cfOptions4_idx" ON "Deal" USING GIN ("cfOptions4");

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber1_id_idx" ON "Deal"("workspaceId", "cfNumber1", "id") WHERE "cfNumber1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber2_id_idx" ON "Deal"("workspaceId", "cfNumber2", "id") WHERE "cfNumber2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber3_id_idx" ON "Deal"("workspaceId", "cfNumber3", "id") WHERE "cfNumber3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber4_id_idx" ON "Deal"("workspaceId", "cfNumber4", "id") WHERE "cfNumber4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber5_id_idx" ON "Deal"("workspaceId", "cfNumber5", "id") WHERE "cfNumber5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber6_id_idx" ON "Deal"("workspaceId", "cfNumber6", "id") WHERE "cfNumber6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber7_id_idx" ON "Deal"("workspaceId", "cfNumber7", "id") WHERE "cfNumber7" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber8_id_idx" ON "Deal"("workspaceId", "cfNumber8", "id") WHERE "cfNumber8" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber9_id_idx" ON "Deal"("workspaceId", "cfNumber9", "id") WHERE "cfNumber9" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfNumber10_id_idx" ON "Deal"("workspaceId", "cfNumber10", "id") WHERE "cfNumber10" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDate1_id_idx" ON "Deal"("workspaceId", "cfDate1", "id") WHERE "cfDate1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDate2_id_idx" ON "Deal"("workspaceId", "cfDate2", "id") WHERE "cfDate2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDate3_id_idx" ON "Deal"("workspaceId", "cfDate3", "id") WHERE "cfDate3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDate4_id_idx" ON "Deal"("workspaceId", "cfDate4", "id") WHERE "cfDate4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDate5_id_idx" ON "Deal"("workspaceId", "cfDate5", "id") WHERE "cfDate5" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDate6_id_idx" ON "Deal"("workspaceId", "cfDate6", "id") WHERE "cfDate6" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDateTime1_id_idx" ON "Deal"("workspaceId", "cfDateTime1", "id") WHERE "cfDateTime1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDateTime2_id_idx" ON "Deal"("workspaceId", "cfDateTime2", "id") WHERE "cfDateTime2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDateTime3_id_idx" ON "Deal"("workspaceId", "cfDateTime3", "id") WHERE "cfDateTime3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfDateTime4_id_idx" ON "Deal"("workspaceId", "cfDateTime4", "id") WHERE "cfDateTime4" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfBool1_id_idx" ON "Deal"("workspaceId", "cfBool1", "id") WHERE "cfBool1" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfBool2_id_idx" ON "Deal"("workspaceId", "cfBool2", "id") WHERE "cfBool2" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfBool3_id_idx" ON "Deal"("workspaceId", "cfBool3", "id") WHERE "cfBool3" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Deal_workspaceId_cfBool4_id_idx" ON "Deal"("workspaceId", "cfBool4", "id") WHERE "cfBool4" IS NOT NULL;

-- Backfill slots of existing fields
UPDATE "CustomField" f SET "slot" = s.slot
FROM (
  SELECT cf.id, 'cf' || p.pool || row_number() OVER (PARTITION BY cf."workspaceId", cf."entityType", p.pool ORDER BY cf."createdAt", cf.id) AS slot,
         row_number() OVER (PARTITION BY cf."workspaceId", cf."entityType", p.pool ORDER BY cf."createdAt", cf.id) AS n, p.size
  FROM "CustomField" cf
  JOIN (VALUES
    ('Text', 12, ARRAY['TEXT', 'URL', 'EMAIL', 'PHONE']::"FieldType"[]),
    ('Option', 8, ARRAY['SELECT']::"FieldType"[]),
    ('Options', 4, ARRAY['MULTISELECT']::"FieldType"[]),
    ('Number', 10, ARRAY['NUMBER', 'MONEY', 'FORMULA']::"FieldType"[]),
    ('Date', 6, ARRAY['DATE']::"FieldType"[]),
    ('DateTime', 4, ARRAY['DATETIME']::"FieldType"[]),
    ('Bool', 4, ARRAY['BOOLEAN']::"FieldType"[])
  ) AS p(pool, size, types) ON cf."type" = ANY (p.types)
) s
WHERE f.id = s.id AND s.n <= s.size;

DO $$
DECLARE
  f RECORD;
  tbl TEXT;
  expr TEXT;
BEGIN
  FOR f IN SELECT id, key, "entityType", "type", "slot" FROM "CustomField" WHERE "slot" IS NOT NULL LOOP
    tbl := CASE f."entityType" WHEN 'DEAL' THEN 'Deal' WHEN 'CONTACT' THEN 'Contact' ELSE 'Company' END;
    expr := CASE
      WHEN f."type" IN ('TEXT', 'URL', 'EMAIL', 'PHONE') THEN 'lower(left(t."customFields" ->> $1, 255))'
      WHEN f."type" = 'SELECT' THEN '(SELECT o."sortOrder" FROM "CustomFieldOption" o WHERE o.id::text = t."customFields" ->> $1)'
      WHEN f."type" = 'MULTISELECT' THEN 'ARRAY(SELECT jsonb_array_elements_text(t."customFields" -> $1)::uuid)'
      WHEN f."type" = 'MONEY' THEN '(t."customFields" -> $1 ->> ''a'')::numeric'
      WHEN f."type" IN ('NUMBER', 'FORMULA') THEN '(t."customFields" ->> $1)::numeric'
      WHEN f."type" = 'DATE' THEN '(t."customFields" ->> $1)::date'
      WHEN f."type" = 'DATETIME' THEN '(t."customFields" ->> $1)::timestamptz'
      ELSE '(t."customFields" ->> $1)::boolean'
    END;
    EXECUTE format('UPDATE %I t SET %I = %s WHERE t."customFields" ? $1', tbl, f."slot", expr) USING f.key::text;
  END LOOP;
END $$;

